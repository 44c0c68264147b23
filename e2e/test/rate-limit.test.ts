import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLog, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { seed, sleep } from '../src/traffic';

describe('rate limiting at the gateway: token bucket', () => {
  let mesh: RunningMesh;
  let ids: { userId: string; orderId: string };

  beforeAll(async () => {
    mesh = await startMesh({
      userInstances: 1,
      orderInstances: 1,
      env: {
        RATE_LIMIT_POLICY: 'token-bucket',
        RATE_LIMIT_API_KEYS: 'burst-client,seed-client',
        RATE_LIMIT_RPS: '2',
        RATE_LIMIT_BURST: '5',
      },
    });
    ids = await seed(mesh, 'seed-client');
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${mesh.gateway}/api${path}`, { headers });

  it('a burst above the limit gets exactly the burst through, the rest 429 with rate-limit headers', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        get(`/users/${ids.userId}`, { 'x-api-key': 'burst-client' }),
      ),
    );
    const allowed = responses.filter((r) => r.status !== 429);
    const limited = responses.filter((r) => r.status === 429);
    // Burst 5, refilling 2/s: a sixth may slip in if the burst took longer than half a second.
    expect(allowed.length).toBeGreaterThanOrEqual(5);
    expect(allowed.length).toBeLessThanOrEqual(6);
    expect(limited.length).toBe(12 - allowed.length);
    const sample = limited[0] as Response;
    expect(Number(sample.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(sample.headers.get('ratelimit-policy')).toMatch(/q=5;w=\d+/);
    expect(sample.headers.get('ratelimit')).toMatch(/r=0;t=\d+/);
    expect(((await sample.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(allowed[0]?.headers.get('ratelimit')).toMatch(/r=\d+;t=\d+/);
  });

  it('an unknown API key is no identity: it shares the client address bucket', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        get(`/users/${ids.userId}`, { 'x-api-key': `made-up-${i}` }),
      ),
    );
    // Eight made-up keys would be eight fresh buckets of 5 if keys bought identities.
    expect(responses.filter((r) => r.status === 429).length).toBeGreaterThan(0);
  });
});

describe('rate limiting at the gateway: leaky bucket', () => {
  let mesh: RunningMesh;

  beforeAll(async () => {
    mesh = await startMesh({
      userInstances: 1,
      orderInstances: 1,
      env: { RATE_LIMIT_POLICY: 'leaky-bucket', RATE_LIMIT_RPS: '5', RATE_LIMIT_QUEUE_SIZE: '3' },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it('queues requests and lets them through in order at the drain rate; a full queue is 429', async () => {
    // Warm the path (first connections, lazy compilation), then let the bucket drain.
    expect((await fetch(`${mesh.gateway}/api/users?limit=1`)).status).toBe(200);
    await sleep(500);
    const ids = Array.from({ length: 6 }, (_, i) => `leaky-${Date.now()}-${i}`);
    const responses = await Promise.all(
      ids.map(async (id, i) => {
        await sleep(i * 5);
        return fetch(`${mesh.gateway}/api/users?limit=1`, { headers: { 'x-request-id': id } });
      }),
    );
    const statuses = responses.map((r) => r.status);
    // One goes at once, three wait in the queue, the rest find it full.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(responses.find((r) => r.status === 429)?.headers.get('retry-after')).toMatch(/^\d+$/);

    // When each request reached user-service (log time minus its duration): in the order sent,
    // 200 ms apart at 5/s — without the queue all four would arrive within a few ms.
    await sleep(300);
    const arrivals = readLog(mesh.logsDir, 'user-service-1')
      .map((line) => ({
        id: (line['http'] as { request?: { id?: string } } | undefined)?.request?.id,
        at:
          Date.parse(line['@timestamp'] as string) -
          Number((line['event'] as { duration?: number } | undefined)?.duration ?? 0) / 1e6,
      }))
      .filter((arrival) => arrival.id !== undefined && ids.includes(arrival.id))
      .sort((a, b) => a.at - b.at);
    expect(arrivals.map((a) => a.id)).toEqual(ids.filter((_, i) => statuses[i] === 200));
    expect((arrivals[3]?.at as number) - (arrivals[0]?.at as number)).toBeGreaterThanOrEqual(500);
  });
});
