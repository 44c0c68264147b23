import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { sumSamples } from '../mesh-admin';
import type { InstanceStatus, MeshInstance } from '../mesh-admin';
import { ScenarioAbort } from './scenario';
import type { ScenarioContext } from './scenario';

/** The part of an upstream row of `/admin/status` the scenarios read (libs/service-kit/src/upstream/upstream-factory.ts). */
export interface UpstreamStatus {
  service: string;
  stale: boolean;
  instances: { id: string; url: string; adminUrl?: string; state: string }[];
  gate: { name: string; state?: string; shortCircuited?: number };
  retryBudget: { ratio: number; ttlMs: number; minRetriesPerSecond: number };
  settings: {
    attemptTimeoutMs: number;
    deadlineMs: number;
    retry: { maxAttempts: number; budgetRatio: number; budgetMinPerSecond: number };
    gate: { kind: string; sleepWindowMs: number; requestVolumeThreshold: number };
    outlier: { maxEjectionPercent: number; consecutiveFailures: number };
  };
}

/** The row for `service` in an instance's `upstreams` section; throws when it has none. */
export function upstreamOf(status: InstanceStatus, service: string): UpstreamStatus {
  const rows = Array.isArray(status['upstreams']) ? (status['upstreams'] as UpstreamStatus[]) : [];
  const row = rows.find((candidate) => candidate.service === service);
  if (!row) {
    throw new ScenarioAbort(`${status.instanceId}'s /admin/status has no upstream ${service}`);
  }
  return row;
}

/** How `caller` (an instance with an admin URL) sees its upstream `service` right now. */
export async function upstreamSeenBy(
  context: ScenarioContext,
  caller: { adminUrl: string },
  service: string,
): Promise<UpstreamStatus> {
  return upstreamOf(await context.admin.status(caller.adminUrl), service);
}

/** The instances of a service, or an abort naming what is missing. */
export function instancesOf(
  context: ScenarioContext,
  service: string,
  atLeast = 1,
): [MeshInstance, ...MeshInstance[]] {
  const found = context.mesh.instances.filter((instance) => instance.service === service);
  if (found.length < atLeast) {
    throw new ScenarioAbort(
      `the gateway lists ${found.length} ${service} instance(s); this scenario needs at least ${atLeast}`,
    );
  }
  return found as [MeshInstance, ...MeshInstance[]];
}

/** Sum of a metric over some instances' `/metrics`. */
export async function metricSum(
  context: ScenarioContext,
  instances: readonly { adminUrl: string }[],
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  let total = 0;
  for (const instance of instances) {
    total += sumSamples(await context.admin.metrics(instance.adminUrl), name, labels);
  }
  return total;
}

/** Business requests an instance has answered (its `http_server_request_duration_seconds_count`, probes excluded). */
export async function servedRequests(
  context: ScenarioContext,
  instance: { adminUrl: string },
): Promise<number> {
  const samples = await context.admin.metrics(instance.adminUrl);
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== 'http_server_request_duration_seconds_count') continue;
    const route = sample.labels['http_route'] ?? '';
    if (route.startsWith('/health') || route.startsWith('/admin') || route === '/metrics') continue;
    total += sample.value;
  }
  return total;
}

export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
  ms: number;
}

/** One request through the gateway (a probe or a seed, not a load loop). */
export async function call(
  context: ScenarioContext,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const response = await request(new URL(path, context.options.target), {
    method,
    headers: {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.any([context.signal, AbortSignal.timeout(options.timeoutMs ?? 30_000)]),
  });
  const text = await response.body.text();
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, headers, body, ms: performance.now() - started };
}

/** Creates a user and one order of theirs through the gateway: what the reads of a scenario read. */
export async function seedOrder(
  context: ScenarioContext,
): Promise<{ userId: string; orderId: string }> {
  const tag = randomUUID().slice(0, 8);
  const user = await call(context, 'POST', '/api/users', {
    body: { name: `Scenario ${tag}`, email: `scenario-${tag}@example.com` },
  });
  if (user.status !== 201) {
    throw new ScenarioAbort(
      `could not create a user to read: ${user.status} ${JSON.stringify(user.body)}`,
    );
  }
  const userId = (user.body as { id: string }).id;
  const order = await call(context, 'POST', '/api/orders', {
    headers: { 'idempotency-key': `scenario-${tag}` },
    body: { userId, items: [{ sku: 'TOUR-1', quantity: 1, unitPrice: 1000 }] },
  });
  if (order.status !== 201) {
    throw new ScenarioAbort(
      `could not create an order to read: ${order.status} ${JSON.stringify(order.body)}`,
    );
  }
  return { userId, orderId: (order.body as { id: string }).id };
}

/** Polls `probe` every `intervalMs` until it returns true or `timeoutMs` passes; resolves with how long it took, or undefined. */
export async function waitUntil(
  context: ScenarioContext,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await probe()) return Date.now() - started;
    await context.sleep(intervalMs);
  }
  return undefined;
}

/** The gateway's own rate limit, so the scenario's steady traffic stays below it. */
export function steadyRate(context: ScenarioContext, wanted: number): number {
  const limit = context.mesh.gatewayStatus['rateLimit'] as
    { policy: string; ratePerSecond: number } | undefined;
  if (!limit || limit.policy === 'off') return wanted;
  return Math.max(1, Math.min(wanted, Math.floor(limit.ratePerSecond * 0.5)));
}
