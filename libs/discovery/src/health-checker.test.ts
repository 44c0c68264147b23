import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { instance } from '../test/instances';
import { ManualClock, settle } from '../test/manual-clock';
import { createTestMeter, sum } from '../test/test-meter';
import { waitFor } from '../test/wait-for';
import { HealthChecker } from './health-checker';
import type { HealthChange, HealthCheckerOptions } from './health-checker';
import { METRIC_HEALTH_CHECKS } from './metric-names';
import type { ServiceInstance } from './service-instance';

/** A real HTTP server on a loopback port whose readiness the test flips. */
interface FakeService {
  url: string;
  ready: boolean;
  /** When true, requests are held without an answer until `release()`. */
  hang: boolean;
  requests: string[];
  release(): void;
  close(): Promise<void>;
}

const servers: FakeService[] = [];
const checkers: HealthChecker[] = [];

async function fakeService(): Promise<FakeService> {
  const held: (() => void)[] = [];
  const service: FakeService = {
    url: '',
    ready: true,
    hang: false,
    requests: [],
    release: () => held.splice(0).forEach((answer) => answer()),
    close: () =>
      new Promise((resolve) => {
        service.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((request, response) => {
    service.requests.push(request.url ?? '');
    const answer = () => {
      response.statusCode = service.ready ? 200 : 503;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: service.ready ? 'ready' : 'draining' }));
    };
    if (service.hang) held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(service);
  return service;
}

function checker(
  list: () => readonly ServiceInstance[],
  options: Partial<HealthCheckerOptions> = {},
) {
  const created = new HealthChecker({ instances: list, ...options });
  checkers.push(created);
  return created;
}

afterEach(async () => {
  for (const c of checkers.splice(0)) {
    servers.forEach((s) => s.release());
    await c.stop();
  }
  for (const s of servers.splice(0)) await s.close();
});

describe('HealthChecker', () => {
  it('an instance is unknown until checked, then ready when /health/ready answers 2xx', async () => {
    const users = await fakeService();
    const one = instance('users', 1, { url: users.url });
    const health = checker(() => [one]);
    expect(health.state('users-1')).toBe('unknown');
    await health.checkNow();
    expect(health.state('users-1')).toBe('ready');
    expect(health.isReady('users-1')).toBe(true);
    expect(users.requests).toEqual(['/health/ready']);
  });

  it('follows an instance that flips between ready and not ready, and tells listeners', async () => {
    const users = await fakeService();
    const one = instance('users', 1, { url: users.url });
    const changes: HealthChange[] = [];
    const health = checker(() => [one], { onChange: (c) => changes.push(c) });

    await health.checkNow();
    users.ready = false;
    await health.checkNow();
    expect(health.isReady('users-1')).toBe(false);
    expect(health.snapshot()[0]).toMatchObject({ state: 'not_ready', reason: 'HTTP 503' });
    await health.checkNow();
    users.ready = true;
    await health.checkNow();
    expect(health.isReady('users-1')).toBe(true);
    expect(changes.map((c) => `${c.previous}->${c.current}`)).toEqual([
      'unknown->ready',
      'ready->not_ready',
      'not_ready->ready',
    ]);
  });

  it('an instance that refuses connections is not ready', async () => {
    const users = await fakeService();
    const one = instance('users', 1, { url: users.url });
    await users.close();
    const health = checker(() => [one]);
    await health.checkNow();
    expect(health.snapshot()[0]).toMatchObject({
      state: 'not_ready',
      reason: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('a check that gets no answer before its deadline says not ready', async () => {
    const users = await fakeService();
    users.hang = true;
    const clock = new ManualClock();
    const health = checker(() => [instance('users', 1, { url: users.url })], {
      clock,
      timeoutMs: 1000,
    });
    const round = health.checkNow();
    await waitFor('the check to reach the server', () => users.requests.length === 1);
    await clock.advance(999);
    expect(health.state('users-1')).toBe('unknown');
    await clock.advance(1);
    await round;
    expect(health.snapshot()[0]).toMatchObject({
      state: 'not_ready',
      reason: 'timed out after 1000 ms',
    });
  });

  it('instances that left the list are forgotten', async () => {
    const a = await fakeService();
    const b = await fakeService();
    let list = [instance('users', 1, { url: a.url }), instance('users', 2, { url: b.url })];
    const health = checker(() => list);
    await health.checkNow();
    expect(health.snapshot().map((h) => h.instance.id)).toEqual(['users-1', 'users-2']);

    list = list.slice(1);
    await health.checkNow();
    expect(health.snapshot().map((h) => h.instance.id)).toEqual(['users-2']);
    expect(health.state('users-1')).toBe('unknown');
    expect(a.requests).toHaveLength(1);
  });

  it('an id that comes back on another address starts again as unknown', async () => {
    const a = await fakeService();
    const b = await fakeService();
    b.hang = true;
    let list = [instance('users', 1, { url: a.url })];
    const health = checker(() => list);
    await health.checkNow();
    list = [instance('users', 1, { url: b.url })];
    const round = health.checkNow();
    await waitFor('the check of the new address', () => b.requests.length === 1);
    expect(health.state('users-1')).toBe('unknown');
    b.release();
    await round;
  });

  it('rounds never overlap: the next starts intervalMs after the previous one ended', async () => {
    const users = await fakeService();
    users.hang = true;
    const clock = new ManualClock();
    const health = checker(() => [instance('users', 1, { url: users.url })], {
      clock,
      intervalMs: 2000,
      timeoutMs: 60_000,
    });
    health.start();
    await waitFor('the first check', () => users.requests.length === 1);
    expect(health.checkNow()).toBe(health.checkNow());

    await clock.advance(10_000);
    expect(users.requests).toHaveLength(1);
    users.hang = false;
    users.release();
    await waitFor('the first round to end', () => health.state('users-1') === 'ready');
    await settle();
    await clock.advance(1999);
    expect(users.requests).toHaveLength(1);
    await clock.advance(1);
    await waitFor('the second check', () => users.requests.length === 2);
  });

  it('stop ends the rounds', async () => {
    const users = await fakeService();
    const clock = new ManualClock();
    const health = checker(() => [instance('users', 1, { url: users.url })], {
      clock,
      intervalMs: 2000,
    });
    health.start();
    await waitFor('the first check', () => users.requests.length === 1);
    await health.stop();
    await clock.advance(60_000);
    expect(users.requests).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('counts checks by service and result', async () => {
    const users = await fakeService();
    const meter = createTestMeter();
    const health = checker(() => [instance('users', 1, { url: users.url })], {
      meterProvider: meter.meterProvider,
    });
    await health.checkNow();
    users.ready = false;
    await health.checkNow();
    await health.checkNow();
    const points = await meter.read(METRIC_HEALTH_CHECKS);
    expect(
      sum(points, {
        'mesh.discovery.service': 'users',
        'mesh.discovery.health_check.result': 'ready',
      }),
    ).toBe(1);
    expect(
      sum(points, {
        'mesh.discovery.service': 'users',
        'mesh.discovery.health_check.result': 'not_ready',
      }),
    ).toBe(2);
    await meter.shutdown();
  });
});
