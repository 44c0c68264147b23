import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './run-load';
import { SeedError } from './seed';

const DELAY_MS = 20;

/** What the known server answered, per route and status (recorded when it answers). */
interface Truth {
  received: number;
  answered: Record<string, Record<string, number>>;
  degraded: number;
}

/**
 * A stand-in for the gateway whose every answer takes exactly DELAY_MS and whose answers are
 * known: every 7th order creation 503, every 4th order read degraded, every 9th order read 429.
 */
function knownServer(truth: Truth): Server {
  let orders = 0;
  let orderReads = 0;
  let ids = 0;
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    truth.received++;
    const url = new URL(req.url ?? '/', 'http://x');
    const route =
      req.method === 'POST'
        ? `POST ${url.pathname}`
        : url.pathname === '/api/orders'
          ? 'GET /api/orders?userId='
          : url.pathname.startsWith('/api/orders/')
            ? 'GET /api/orders/:id'
            : url.pathname.startsWith('/api/users/')
              ? 'GET /api/users/:id'
              : `GET ${url.pathname}`;
    let status = 200;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (route === 'POST /api/users') status = 201;
    if (route === 'POST /api/orders') status = ++orders % 7 === 0 ? 503 : 201;
    if (route === 'GET /api/orders/:id') {
      orderReads++;
      if (orderReads % 9 === 0) status = 429;
      else if (orderReads % 4 === 0) headers['X-Degraded'] = 'user-service';
    }
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        const row = (truth.answered[route] ??= {});
        row[status] = (row[status] ?? 0) + 1;
        if (headers['X-Degraded']) truth.degraded++;
        res.writeHead(status, headers);
        res.end(JSON.stringify({ id: `id-${++ids}` }));
      }, DELAY_MS);
    });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('runLoad against a server whose counts and latencies are known', () => {
  const truth: Truth = { received: 0, answered: {}, degraded: 0 };
  const server = knownServer(truth);
  let target = '';
  beforeAll(async () => {
    target = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts every request, each answer by route and kind, and measures the 20 ms the server takes', async () => {
    const report = await runLoad({
      target,
      profile: 'steady',
      rate: 100,
      connections: 5,
      durationMs: 3000,
    });
    await new Promise((r) => setTimeout(r, DELAY_MS * 3)); // the server finishes what was cut

    // every request sent, seeding included, is one the server received
    expect(report.requests).toBe(truth.received);
    expect(report.seedRequests).toBe(6); // 3 users + 3 orders
    expect(report.noAnswer).toBe(0);
    // only the requests in flight when the run stopped have no answer
    expect(report.unfinished).toBeLessThanOrEqual(5);
    expect(report.answers + report.unfinished).toBe(truth.received);

    // per route and status, what the client counted is what the server answered, less what was cut
    let cut = 0;
    for (const [route, statuses] of Object.entries(truth.answered)) {
      for (const [status, count] of Object.entries(statuses)) {
        const seen = report.routes[route]?.statusCodes[status] ?? 0;
        expect(seen, `${route} ${status}`).toBeLessThanOrEqual(count);
        cut += count - seen;
      }
    }
    expect(cut).toBe(report.unfinished);
    const sum = (field: 'ok' | 'degraded' | 'rateLimited' | 'clientErrors' | 'serverErrors') =>
      Object.values(report.routes).reduce((n, r) => n + r[field], 0);
    expect(report.statusCodes['503']).toBe(sum('serverErrors'));
    expect(report.statusCodes['429']).toBe(report.rateLimited);
    expect(report.rateLimited).toBeGreaterThan(0);
    expect(report.statusCodes['503']).toBeGreaterThan(0);
    // degraded answers are 200s counted apart from the plain ones
    expect(report.degraded).toBeGreaterThan(0);
    expect(truth.degraded - report.degraded).toBeLessThanOrEqual(report.unfinished);
    expect(report.ok + report.degraded).toBe(
      (report.statusCodes['200'] ?? 0) + (report.statusCodes['201'] ?? 0),
    );
    // errors: the 503s (every request had an answer)
    expect(report.errors).toBe(report.statusCodes['503']);

    // the mix: 10 requests a pass, 5 of them order reads
    const reads = report.routes['GET /api/orders/:id']?.answers ?? 0;
    expect(reads / report.answers).toBeGreaterThan(0.4);
    expect(reads / report.answers).toBeLessThan(0.6);

    // 100 req/s asked, over 3 s
    expect(report.achievedRate).toBeGreaterThan(85);
    expect(report.achievedRate).toBeLessThan(115);

    // every answer took the server's 20 ms, plus loopback
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(DELAY_MS);
    expect(report.latencyMs.p50).toBeLessThan(DELAY_MS + 10);
    expect(report.latencyMs.p90).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p90);
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p99);
    expect(report.latencyMs.max).toBeLessThan(DELAY_MS + 200);
  }, 20_000);
});

describe('runLoad when the target cannot be seeded', () => {
  it('rejects with what the target answered', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"validation_failed"}}');
    });
    const target = await listen(server);
    try {
      const error: unknown = await runLoad({ target, profile: 'spike', durationMs: 1000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SeedError);
      expect(String(error)).toContain('POST /api/users');
      expect(String(error)).toContain('400');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
