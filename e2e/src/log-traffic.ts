import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { waitFor } from '@mesh/testing';
import { isJsonObject } from '@mesh/tools/backends';
import type { JsonObject } from '@mesh/tools/backends';
import type { RunningMesh } from './mesh';
import { readLog } from './mesh';
import { admin, seed } from './traffic';

/** What {@link driveLogTraffic} did, to find its lines again. */
export interface LogTraffic {
  /** A healthy GET /api/orders/:id sent with a client traceparent: gateway → order → user. */
  healthyTraceId: string;
  /** POST /api/orders sent while user-service answered every call with an injected 503. */
  faultTraceIds: string[];
  userId: string;
  orderId: string;
}

const traceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
const newTraceId = () => randomBytes(16).toString('hex');

/**
 * Traffic whose log lines the log tests read: a user and an order, reads through all three
 * services with a client traceparent, then an injected fault (both user-service instances answer
 * 503 through the admin chaos API) under which order creation fails — order-service logs those
 * failures at level error. The fault is cleared before this returns, and every instance has
 * written the lines of the fault's requests.
 */
export async function driveLogTraffic(mesh: RunningMesh, faultyRequests = 3): Promise<LogTraffic> {
  // The launcher says ready before every health checker has seen its upstreams ready.
  const { userId, orderId } = await waitFor(() => seed(mesh).catch(() => undefined), {
    timeoutMs: 15_000,
    intervalMs: 250,
    what: 'a user and an order created through the gateway',
  });

  const healthyTraceId = newTraceId();
  const read = await fetch(`${mesh.gateway}/api/orders/${orderId}`, {
    headers: { traceparent: traceparent(healthyTraceId) },
  });
  if (read.status !== 200) throw new Error(`GET order: ${read.status} ${await read.text()}`);
  await fetch(`${mesh.gateway}/api/users/${userId}`).then((r) => r.text());
  await fetch(`${mesh.gateway}/api/users/not-a-user`).then((r) => r.text());

  const userInstances = mesh.instances.filter((i) => i.service === 'user-service');
  for (const instance of userInstances) {
    await admin(mesh, instance.name, 'POST', '/admin/chaos', {
      errorRate: 1,
      errorStatus: 503,
      // clears itself even if this process dies before the DELETE
      durationMs: 60_000,
    });
  }
  const faultTraceIds: string[] = [];
  try {
    for (let i = 0; i < faultyRequests; i++) {
      const traceId = newTraceId();
      faultTraceIds.push(traceId);
      const response = await fetch(`${mesh.gateway}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: traceparent(traceId) },
        body: JSON.stringify({ userId, items: [{ sku: 'FAULT-1', quantity: 1, unitPrice: 100 }] }),
      });
      await response.text();
      if (response.status < 500) throw new Error(`POST order under the fault: ${response.status}`);
    }
  } finally {
    for (const instance of userInstances) {
      await admin(mesh, instance.name, 'DELETE', '/admin/chaos');
    }
  }
  // Every fault request's lines are written (the gateway's access line comes last).
  await waitFor(
    () => {
      const lines = meshLogLines(mesh);
      return faultTraceIds.every((id) =>
        lines.some(
          (l) => flatField(l, 'trace.id') === id && flatField(l, 'service.name') === 'gateway',
        ),
      )
        ? true
        : undefined;
    },
    { timeoutMs: 10_000, what: 'the log lines of the faulty requests' },
  );
  return { healthyTraceId, faultTraceIds, userId, orderId };
}

/** Every line every instance of the mesh wrote so far, as written (dotted keys not expanded). */
export function meshLogLines(mesh: RunningMesh): JsonObject[] {
  return readdirSync(mesh.logsDir)
    .filter((file) => file.endsWith('.ndjson'))
    .flatMap((file) => readLog(mesh.logsDir, file.replace(/\.ndjson$/, '')));
}

/** A field of a line as written: dotted at the top (`"trace.id"`) or nested (`trace: { id }`). */
function flatField(line: JsonObject, path: string): unknown {
  if (path in line) return line[path];
  let node: unknown = line;
  for (const segment of path.split('.')) {
    node = isJsonObject(node) ? node[segment] : undefined;
  }
  return node;
}
