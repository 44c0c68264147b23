import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { StaticRegistry } from '@mesh/discovery';
import { DEADLINE_HEADER, Deadline } from '@mesh/resilience';
import type { CircuitBreakerSnapshot } from '@mesh/resilience';
import {
  createDispatcher,
  createUpstream,
  parseConfig,
  startDiscovery,
  toUpstreamSettings,
  upstreamEnvShape,
} from '../src';
import type { ResilientUpstream, UpstreamInstanceStatus, UpstreamResponse } from '../src';
import { testLogger } from '../src/testing';

const SERVICE = 'things';
const PREFIX = 'THINGS';

/**
 * The env every stack here starts from: small values so a failing case ends quickly, and round
 * robin so the first call goes to the first instance by id. Each test overrides what it is about.
 */
const BASE_ENV: Record<string, string> = {
  BALANCER: 'round-robin',
  ATTEMPT_TIMEOUT_MS: '2000',
  DEADLINE_MS: '5000',
  MIN_ATTEMPT_MS: '10',
  MAX_ATTEMPTS: '3',
  RETRY_BASE_DELAY_MS: '1',
  RETRY_MAX_DELAY_MS: '5',
  // One round of health checks at start; the health tests ask for more.
  HEALTH_INTERVAL_MS: '600000',
  HEALTH_TIMEOUT_MS: '1000',
};

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server standing in for one instance of the upstream. */
interface FakeInstance {
  readonly id: string;
  readonly url: string;
  /** Business requests received, in order (health checks are not counted). */
  readonly received: { method: string; path: string; headers: IncomingHttpHeaders }[];
  /** What `GET /health/ready` says: 200 when true, 503 when false. */
  ready: boolean;
  /** How business requests are answered. */
  answer: Answer;
  /** Answers every request held by {@link hold} with `status`. */
  release(status: number): void;
}

const cleanups: (() => Promise<void>)[] = [];
const servers: (() => Promise<void>)[] = [];

afterEach(async () => {
  vi.useRealTimers();
  // Servers first: cutting their connections ends any attempt still waiting on them.
  await Promise.all(servers.splice(0).map((close) => close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(handler: Answer): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async () => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  };
  servers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** Answers with `status` and a small JSON body. */
const reply =
  (status: number): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
  };

async function startInstance(id: string, answer: Answer = reply(200)): Promise<FakeInstance> {
  const held: ServerResponse[] = [];
  const instance = {
    id,
    url: '',
    received: [] as FakeInstance['received'],
    ready: true,
    answer,
    release(status: number) {
      for (const res of held.splice(0)) reply(status)(undefined as never, res);
    },
  };
  const server = await listen((req, res) => {
    if (req.url === '/health/ready') {
      res.writeHead(instance.ready ? 200 : 503).end();
      return;
    }
    instance.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    // Read the body before answering, as a real service would.
    req.resume();
    req.on('end', () => {
      if (instance.answer === hold) held.push(res);
      else instance.answer(req, res);
    });
  });
  instance.url = server.url;
  return instance;
}

/** Never answers (until the instance's `release` or the end of the test). */
const hold: Answer = () => undefined;

/** An instance whose port refuses connections. */
async function refusingInstance(id: string): Promise<{ id: string; url: string }> {
  const server = await listen(reply(200));
  await server.close();
  return { id, url: server.url };
}

/**
 * The whole stack as a service builds it: a static registry listing `instances`, the instance
 * cache, and `createUpstream` with settings parsed from env vars (`BASE_ENV` and `env`).
 */
async function upstreamTo(
  instances: readonly { id: string; url: string }[],
  env: Record<string, string> = {},
) {
  const { logger } = testLogger();
  const vars = Object.fromEntries(
    Object.entries({ ...BASE_ENV, ...env }).map(([key, value]) => [`${PREFIX}_${key}`, value]),
  );
  const settings = toUpstreamSettings(
    SERVICE,
    PREFIX,
    parseConfig(z.object(upstreamEnvShape(PREFIX)), vars),
  );
  const registry = new StaticRegistry({
    [SERVICE]: instances.map(({ id, url }) => ({
      id,
      service: SERVICE,
      url,
      adminUrl: url,
      version: 'test',
      weight: 1,
      zone: 'local',
      startedAt: '2025-01-01T00:00:00.000Z',
    })),
  });
  const discovery = await startDiscovery(registry, [SERVICE], logger);
  const dispatcher = createDispatcher();
  const upstream = createUpstream(settings, { cache: discovery.cache, dispatcher, logger });
  cleanups.push(async () => {
    await upstream.stop();
    await discovery.stop();
    await dispatcher.close();
  });
  const rows = () => upstream.status().instances as UpstreamInstanceStatus[];
  return {
    client: upstream.client,
    rows,
    row: (id: string) => rows().find((row) => row.id === id),
    gate: () => upstream.status().gate as CircuitBreakerSnapshot,
  };
}

const get = (client: ResilientUpstream, deadline?: Deadline): Promise<UpstreamResponse> =>
  client.request({ method: 'GET', path: '/things/1', deadline });

const post = (client: ResilientUpstream, headers: Record<string, string> = {}) =>
  client.request({
    method: 'POST',
    path: '/things',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"name":"x"}',
  });

const failureOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error,
  );

/** Polls until `assertion` passes: for what the health checks report, never a duration. */
const eventually = (assertion: () => void) =>
  vi.waitFor(assertion, { timeout: 4_000, interval: 20 });

describe('ResilientUpstream over real instances: retries', () => {
  it('a GET answered 5xx by one instance is retried on another and succeeds; the failing one got one attempt', async () => {
    const a = await startInstance('a', reply(503));
    const b = await startInstance('b');
    const { client } = await upstreamTo([a, b]);

    const response = await get(client);

    expect(response).toMatchObject({ status: 200, instance: 'b' });
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
  });

  it('a POST without Idempotency-Key answered 5xx is not retried: the caller gets the 5xx', async () => {
    const a = await startInstance('a', reply(503));
    const b = await startInstance('b', reply(201));
    const { client } = await upstreamTo([a, b]);

    const response = await post(client);

    expect(response).toMatchObject({ status: 503, instance: 'a' });
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(0);
  });

  it('a POST with an Idempotency-Key answered 5xx is retried on another instance, key included', async () => {
    const a = await startInstance('a', reply(503));
    const b = await startInstance('b', reply(201));
    const { client } = await upstreamTo([a, b]);

    const response = await post(client, { 'Idempotency-Key': 'order-7' });

    expect(response).toMatchObject({ status: 201, instance: 'b' });
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    expect(b.received[0]?.headers['idempotency-key']).toBe('order-7');
  });

  it('a POST to an instance that refuses the connection goes to another, since nothing was sent', async () => {
    const a = await refusingInstance('a');
    const b = await startInstance('b', reply(201));
    const { client, row } = await upstreamTo([a, b]);

    // Called before the first health check can report `a` down, so the balancer picks it.
    const response = await post(client);

    expect(response).toMatchObject({ status: 201, instance: 'b' });
    expect(row('a')?.['picks']).toBe(1);
    expect(b.received).toEqual([expect.objectContaining({ method: 'POST', path: '/things' })]);
  });

  it('with a retry budget of ratio 0 and no floor, a failing GET is not retried at all', async () => {
    const a = await startInstance('a', reply(503));
    const b = await startInstance('b', reply(503));
    const { client } = await upstreamTo([a, b], {
      RETRY_BUDGET_RATIO: '0',
      RETRY_BUDGET_MIN_PER_SECOND: '0',
    });

    expect((await get(client)).status).toBe(503);
    expect(a.received.length + b.received.length).toBe(1);
  });
});

/** Answers `status` with an error envelope of `code` and the given headers. */
const envelope =
  (status: number, code: string, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { code, message: code, requestId: 'r', traceId: null } }));
  };

describe('ResilientUpstream over real instances: which failures are retried and blamed', () => {
  it.each([500, 501])(
    'a GET answered %i is not retried: the same code answers the same way everywhere',
    async (status) => {
      const a = await startInstance('a', reply(status));
      const b = await startInstance('b');
      const { client } = await upstreamTo([a, b]);

      expect(await get(client)).toMatchObject({ status, instance: 'a' });
      expect(b.received).toHaveLength(0);
    },
  );

  it.each([502, 504])('a GET answered %i is retried on another instance', async (status) => {
    const a = await startInstance('a', reply(status));
    const b = await startInstance('b');
    const { client } = await upstreamTo([a, b]);

    expect(await get(client)).toMatchObject({ status: 200, instance: 'b' });
  });

  it('a 503 marked X-Mesh-Dependency-Failed is neither retried nor counted against the instance', async () => {
    const a = await startInstance(
      'a',
      envelope(503, 'upstream_unavailable', { 'x-mesh-dependency-failed': 'deeper' }),
    );
    const b = await startInstance('b', reply(200));
    const { client, row, gate } = await upstreamTo([a, b], {
      BREAKER_REQUEST_VOLUME_THRESHOLD: '3',
      OUTLIER_CONSECUTIVE_FAILURES: '2',
      OUTLIER_BASE_EJECTION_MS: '60000',
    });

    for (let i = 0; i < 8; i++) await get(client);

    // Round robin started every other call on `a`: each got its answer back, none was retried.
    expect(a.received).toHaveLength(4);
    expect(b.received).toHaveLength(4);
    expect(row('a')).toMatchObject({ state: 'healthy', ejections: 0 });
    expect(gate()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it.each(['circuit_open', 'bulkhead_full', 'throttled'])(
    'a downstream shedding load with 503 %s is not retried on another instance',
    async (code) => {
      const a = await startInstance('a', envelope(503, code));
      const b = await startInstance('b');
      const { client } = await upstreamTo([a, b]);

      expect(await get(client)).toMatchObject({ status: 503, instance: 'a' });
      expect(b.received).toHaveLength(0);
    },
  );

  it('a 503 with Retry-After from the only instance is not retried sooner than it asks', async () => {
    const a = await startInstance('a', envelope(503, 'not_ready', { 'retry-after': '1' }));
    const { client } = await upstreamTo([a], { RETRY_MAX_DELAY_MS: '250' });

    const response = await get(client);

    expect(response).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(a.received).toHaveLength(1);
  });

  it('a 503 with Retry-After is retried at once on another instance: the hint speaks for its sender', async () => {
    const a = await startInstance('a', envelope(503, 'not_ready', { 'retry-after': '1' }));
    const b = await startInstance('b');
    const { client } = await upstreamTo([a, b], { RETRY_MAX_DELAY_MS: '250' });

    expect(await get(client)).toMatchObject({ status: 200, instance: 'b' });
  });
});

/** An instance whose port answers every connection with something that is not HTTP. */
async function garbageInstance(id: string): Promise<{ id: string; url: string }> {
  const server = createTcpServer((socket) => socket.end('SMTP ready\r\n\r\n'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(async () => {
    server.close();
  });
  return { id, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('ResilientUpstream over real instances: transport failures of every kind', () => {
  it('a GET to an instance that answers something not HTTP is retried on another', async () => {
    const b = await startInstance('b');
    const { client, row } = await upstreamTo([await garbageInstance('a'), b]);

    // Called before the first health check can report `a` down, so the balancer picks it.
    expect(await get(client)).toMatchObject({ status: 200, instance: 'b' });
    expect(row('a')).toMatchObject({ picks: 1 });
  });

  it('when the only instance answers something not HTTP, the call fails with upstream_unavailable (503) and the breaker counts it', async () => {
    const { client, gate } = await upstreamTo([await garbageInstance('a')], { MAX_ATTEMPTS: '1' });

    expect(await failureOf(get(client))).toMatchObject({
      code: 'upstream_unavailable',
      status: 503,
    });
    expect(gate()).toMatchObject({ failures: 1 });
  });
});

describe('ResilientUpstream over real instances: nowhere to send', () => {
  it('with no instance listed, fails with no_healthy_upstream and a retry hint', async () => {
    const { client } = await upstreamTo([]);

    expect(await failureOf(get(client))).toMatchObject({
      code: 'no_healthy_upstream',
      retryAfterMs: expect.any(Number),
    });
  });

  it('when every instance refuses the connection, fails with upstream_unavailable', async () => {
    const { client } = await upstreamTo([await refusingInstance('a'), await refusingInstance('b')]);

    expect(await failureOf(get(client))).toMatchObject({ code: 'upstream_unavailable' });
  });
});

describe('ResilientUpstream over real instances: time', () => {
  it('an attempt slower than the attempt timeout fails with upstream_timeout', async () => {
    const a = await startInstance('a', hold);
    const { client } = await upstreamTo([a], { ATTEMPT_TIMEOUT_MS: '100', MAX_ATTEMPTS: '1' });

    expect(await failureOf(get(client))).toMatchObject({ code: 'upstream_timeout' });
  });

  it('a caller deadline shorter than the attempt timeout wins: deadline_exceeded', async () => {
    const a = await startInstance('a', hold);
    const { client } = await upstreamTo([a], { ATTEMPT_TIMEOUT_MS: '60000' });

    expect(await failureOf(get(client, Deadline.after(150)))).toMatchObject({
      code: 'deadline_exceeded',
    });
  });

  it('an attempt that has ended leaves no timer of its timeout armed', async () => {
    const armed = vi.spyOn(globalThis, 'setTimeout');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const a = await startInstance('a');
    const { client } = await upstreamTo([a], { ATTEMPT_TIMEOUT_MS: '4321' });

    expect((await get(client)).status).toBe(200);

    const timers = armed.mock.calls
      .map((call, i) => ({ ms: call[1], handle: armed.mock.results[i]?.value as unknown }))
      .filter((timer) => timer.ms === 4321);
    expect(timers).toHaveLength(1);
    expect(cleared.mock.calls.map((call) => call[0] as unknown)).toContain(timers[0]?.handle);
    armed.mockRestore();
    cleared.mockRestore();
  });

  it('each attempt carries the caller’s remaining budget in x-mesh-deadline-ms, less on every retry', async () => {
    // Only Date is faked (the deadline's clock): each instance moves it 100 ms on, so the budget
    // shrinks by a known amount between attempts while the HTTP traffic stays real.
    vi.useFakeTimers({ toFake: ['Date'] });
    const deadline = Deadline.after(2000);
    const seen: { header: number; remainingMs: number }[] = [];
    const answer: Answer = (req, res) => {
      seen.push({
        header: Number(req.headers[DEADLINE_HEADER]),
        remainingMs: deadline.remainingMs(),
      });
      vi.setSystemTime(Date.now() + 100);
      reply(503)(req, res);
    };
    const instances = [
      await startInstance('a', answer),
      await startInstance('b', answer),
      await startInstance('c', answer),
    ];
    const { client } = await upstreamTo(instances);

    expect((await get(client, deadline)).status).toBe(503);

    expect(seen).toHaveLength(3);
    for (const { header, remainingMs } of seen) {
      expect(header).toBeGreaterThan(0);
      expect(header).toBeLessThanOrEqual(remainingMs);
    }
    const headers = seen.map((s) => s.header);
    expect(headers[0]).toBeLessThanOrEqual(2000);
    expect(headers[1]).toBeLessThan(headers[0] as number);
    expect(headers[2]).toBeLessThan(headers[1] as number);
  });
});

describe('ResilientUpstream over real instances: which instances are used', () => {
  it('an instance whose /health/ready answers 503 receives no new requests after one health interval', async () => {
    const a = await startInstance('a');
    const b = await startInstance('b');
    const { client, row } = await upstreamTo([a, b], { HEALTH_INTERVAL_MS: '50' });
    await eventually(() => expect(row('b')?.health).toBe('ready'));
    await get(client);
    await get(client);
    expect(b.received).toHaveLength(1);

    b.ready = false;
    await eventually(() => expect(row('b')?.state).toBe('not_ready'));
    a.received.length = 0;
    b.received.length = 0;
    for (let i = 0; i < 6; i++) expect((await get(client)).instance).toBe('a');

    expect(a.received).toHaveLength(6);
    expect(b.received).toHaveLength(0);
  });

  it('when every instance is not ready, requests still go out (panic routing)', async () => {
    const a = await startInstance('a');
    const b = await startInstance('b');
    a.ready = false;
    b.ready = false;
    const { client, rows } = await upstreamTo([a, b]);
    await eventually(() =>
      expect(rows().map((row) => row.state)).toEqual(['not_ready', 'not_ready']),
    );

    expect((await get(client)).status).toBe(200);
    expect(a.received.length + b.received.length).toBe(1);
  });

  it('after N consecutive failures an instance is ejected and gets no traffic while another is healthy', async () => {
    const a = await startInstance('a', reply(503));
    const b = await startInstance('b');
    const { client, row } = await upstreamTo([a, b], {
      OUTLIER_CONSECUTIVE_FAILURES: '3',
      OUTLIER_BASE_EJECTION_MS: '60000',
    });

    // Round robin starts every other call on `a`; each of its failures is retried on `b`.
    for (let i = 0; i < 6; i++) expect((await get(client)).status).toBe(200);
    expect(a.received).toHaveLength(3);
    expect(row('a')).toMatchObject({ state: 'ejected', ejections: 1 });

    for (let i = 0; i < 6; i++) expect((await get(client)).instance).toBe('b');
    expect(a.received).toHaveLength(3);
  });
});

describe('ResilientUpstream over real instances: callers that give up', () => {
  it('callers that abort their calls to a slow instance get it neither ejected nor penalised by the balancer', async () => {
    const a = await startInstance('a', hold);
    const { client, row } = await upstreamTo([a], {
      BALANCER: 'p2c-ewma',
      OUTLIER_CONSECUTIVE_FAILURES: '2',
      OUTLIER_BASE_EJECTION_MS: '60000',
    });

    for (let i = 1; i <= 5; i++) {
      const controller = new AbortController();
      const call = client.request({ method: 'GET', path: '/things/1', signal: controller.signal });
      await eventually(() => expect(a.received).toHaveLength(i));
      controller.abort(new Error('the client closed the connection'));
      expect(await failureOf(call)).toMatchObject({ message: 'the client closed the connection' });
    }

    await eventually(() => expect(row('a')?.['outstanding']).toBe(0));
    expect(row('a')).toMatchObject({ state: 'healthy', ejections: 0, ewmaMs: undefined });
    a.answer = reply(200);
    expect((await get(client)).status).toBe(200);
  });
});

describe('ResilientUpstream over real instances: shedding load', () => {
  it('the breaker opens after the volume threshold of 5xx answers, refuses without calling, and a probe after the sleep window closes it', async () => {
    // Only Date is faked: the breaker's clock. The sleep window passes when the test says so.
    vi.useFakeTimers({ toFake: ['Date'] });
    const a = await startInstance('a', reply(500));
    const { client, gate } = await upstreamTo([a], {
      MAX_ATTEMPTS: '1',
      BREAKER: 'circuit-breaker',
      BREAKER_REQUEST_VOLUME_THRESHOLD: '3',
      BREAKER_ERROR_PERCENT_THRESHOLD: '50',
      BREAKER_SLEEP_WINDOW_MS: '200',
      OUTLIER_CONSECUTIVE_FAILURES: '1000',
    });

    for (let i = 0; i < 2; i++) expect((await get(client)).status).toBe(500);
    expect(gate().state).toBe('closed');
    expect((await get(client)).status).toBe(500);
    expect(gate().state).toBe('open');

    expect(await failureOf(get(client))).toMatchObject({ code: 'circuit_open', retryAfterMs: 200 });
    expect(a.received).toHaveLength(3);

    a.answer = reply(200);
    vi.setSystemTime(Date.now() + 200);
    expect((await get(client)).status).toBe(200);
    expect(a.received).toHaveLength(4);
    expect(gate().state).toBe('closed');
    expect((await get(client)).status).toBe(200);
  });

  it('with a bulkhead of one call and no queue, a second concurrent call fails fast with bulkhead_full', async () => {
    const a = await startInstance('a', hold);
    const { client } = await upstreamTo([a], {
      BULKHEAD_MAX_CONCURRENT: '1',
      BULKHEAD_MAX_QUEUE: '0',
    });
    const first = get(client);
    await eventually(() => expect(a.received).toHaveLength(1));

    expect(await failureOf(get(client))).toMatchObject({ code: 'bulkhead_full' });
    expect(a.received).toHaveLength(1);

    a.release(200);
    expect((await first).status).toBe(200);
  });
});

describe('UpstreamPool.status()', () => {
  it('lists every instance with its state, load, latency and ejections', async () => {
    const a = await startInstance('a');
    const b = await startInstance('b');
    const c = await startInstance('c', reply(500));
    b.ready = false;
    const { client, rows, row } = await upstreamTo([a, b, c], {
      OUTLIER_CONSECUTIVE_FAILURES: '2',
      OUTLIER_BASE_EJECTION_MS: '60000',
    });
    await eventually(() =>
      expect(rows().map((r) => r.health)).toEqual(['ready', 'not_ready', 'ready']),
    );
    for (let i = 0; i < 10 && row('c')?.state !== 'ejected'; i++) await get(client);

    expect(rows()).toEqual([
      expect.objectContaining({
        id: 'a',
        url: a.url,
        adminUrl: a.url, // the test registers each instance's API URL as its admin URL
        state: 'healthy',
        health: 'ready',
        outstanding: 0,
        ewmaMs: expect.any(Number),
        ejections: 0,
      }),
      expect.objectContaining({ id: 'b', url: b.url, state: 'not_ready', ejections: 0 }),
      expect.objectContaining({
        id: 'c',
        url: c.url,
        state: 'ejected',
        health: 'ready',
        outstanding: 0,
        ejections: 1,
      }),
    ]);

    a.answer = hold;
    const inFlight = get(client);
    await eventually(() => expect(row('a')?.['outstanding']).toBe(1));
    a.release(200);
    await inFlight;
    expect(row('a')?.['outstanding']).toBe(0);
  });
});
