import type { RunningMesh } from './mesh';
import { readLog } from './mesh';

export interface TrafficResult {
  sent: number;
  failed: { status: number; body: string }[];
  statuses: Record<number, number>;
}

/**
 * Sends GETs to `path` through the gateway from `concurrency` loops until `stop()` is called
 * (or `maxRequests` were sent), and counts every answer that was not a 2xx.
 */
export function steadyTraffic(
  mesh: RunningMesh,
  path: string,
  concurrency = 4,
  maxRequests = 5000,
) {
  const result: TrafficResult = { sent: 0, failed: [], statuses: {} };
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running && result.sent < maxRequests) {
      result.sent++;
      try {
        const response = await fetch(`${mesh.gateway}/api${path}`, {
          signal: AbortSignal.timeout(10_000),
        });
        const body = await response.text();
        result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
        if (response.status >= 300)
          result.failed.push({ status: response.status, body: body.slice(0, 300) });
      } catch (error) {
        result.failed.push({ status: 0, body: String(error) });
      }
    }
  });
  return {
    result,
    async stop(): Promise<TrafficResult> {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/**
 * Access-log lines of one instance for a route (`GET /users/:id`), matched on the request path so
 * that requests failed by injected faults (which never reach the route) count too.
 */
export function accessLines(mesh: RunningMesh, instance: string, method: string, route: string) {
  const pattern = new RegExp(`^${route.replace(/:[^/]+/g, '[^/]+')}$`);
  return readLog(mesh.logsDir, instance).filter((line) => {
    const http = line['http'] as { request?: { method?: string } } | undefined;
    const path = (line['url'] as { path?: string } | undefined)?.path;
    return http?.request?.method === method && path !== undefined && pattern.test(path);
  });
}

/** Calls an instance's admin API with the mesh's token. */
export async function admin(
  mesh: RunningMesh,
  instance: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await fetch(`${mesh.instance(instance).adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${mesh.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(
      `${method} ${path} on ${instance}: ${response.status} ${await response.text()}`,
    );
  return response.json() as Promise<Record<string, unknown>>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates a user and an order through the gateway; returns their ids. */
export async function seed(
  mesh: RunningMesh,
  apiKey?: string,
): Promise<{ userId: string; orderId: string }> {
  const headers = {
    'content-type': 'application/json',
    ...(apiKey ? { 'x-api-key': apiKey } : {}),
  };
  const user = await fetch(`${mesh.gateway}/api/users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'Grace Hopper',
      email: `grace-${Date.now()}-${Math.random()}@example.com`,
    }),
  });
  if (user.status !== 201) throw new Error(`seed user: ${user.status} ${await user.text()}`);
  const { id: userId } = (await user.json()) as { id: string };
  const order = await fetch(`${mesh.gateway}/api/orders`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ userId, items: [{ sku: 'COBOL-1', quantity: 1, unitPrice: 4200 }] }),
  });
  if (order.status !== 201) throw new Error(`seed order: ${order.status} ${await order.text()}`);
  const { id: orderId } = (await order.json()) as { id: string };
  return { userId, orderId };
}

/** Sums the samples of a Prometheus counter on an instance's /metrics whose labels include `labels`. */
export async function counterValue(
  mesh: RunningMesh,
  instance: string,
  metric: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${mesh.instance(instance).adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
