import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheusText, selectSamples, waitFor } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';

const loadEntry = join(repoRoot, 'tools', 'dist', 'load', 'main.js');
const chaosEntry = join(repoRoot, 'tools', 'dist', 'chaos', 'main.js');

/** Runs a built CLI to its end. */
async function run(entry: string, args: string[]) {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

interface LoadJson {
  requests: number;
  answers: number;
  unfinished: number;
  ok: number;
  degraded: number;
  rateLimited: number;
  errors: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p99: number };
}

describe('npm run load and npm run chaos against the native mesh', () => {
  let mesh: RunningMesh;
  const load = (args: string[]) => run(loadEntry, ['--target', mesh.gateway, ...args]);
  const chaos = (args: string[]) =>
    run(chaosEntry, [
      '--target',
      mesh.gateway,
      '--token',
      mesh.adminToken,
      '--mesh-state',
      join(mesh.logsDir, 'mesh.json'),
      ...args,
    ]);
  const adminStatus = async (name: string) => {
    const response = await fetch(`${mesh.instance(name).adminUrl}/admin/status`, {
      headers: { authorization: `Bearer ${mesh.adminToken}` },
    });
    return (await response.json()) as {
      pid: number;
      ready: boolean;
      chaos: { errorRate: number; latencyMs: number };
    };
  };
  /** The gateway's own count of API requests (every status), from its admin /metrics. */
  const gatewayApiRequests = async () => {
    const text = await (await fetch(`${mesh.instance('gateway').adminUrl}/metrics`)).text();
    return selectSamples(parsePrometheusText(text), 'http_server_request_duration_seconds_count')
      .filter((sample) => sample.labels['http_route']?.startsWith('/api'))
      .reduce((sum, sample) => sum + sample.value, 0);
  };

  beforeAll(async () => {
    mesh = await startMesh();
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it("every request the load generator reports sent is one the gateway's own request counter counted", async () => {
    const before = await gatewayApiRequests();
    const result = await load([
      '--profile',
      'steady',
      '--rate',
      '40',
      '--duration',
      '4s',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as LoadJson;
    expect(report.requests).toBeGreaterThan(140);
    // requests cut in flight at the end still reach the gateway: wait for it to finish them
    const counted = await waitFor(
      async () => {
        const delta = (await gatewayApiRequests()) - before;
        return delta >= report.requests ? delta : undefined;
      },
      { timeoutMs: 5000, what: 'the gateway to count every request' },
    ).catch(async () => (await gatewayApiRequests()) - before);
    expect(counted).toBe(report.requests);
    expect(report.answers + report.unfinished).toBe(report.requests);
    // a healthy mesh well under its rate limit: every answer a plain success
    expect(report.errors).toBe(0);
    expect(report.rateLimited).toBe(0);
    expect(report.degraded).toBe(0);
    expect(report.ok).toBe(report.answers);
  });

  it('a spike well beyond the rate limit is counted as 429s, apart from the successes', async () => {
    const result = await load([
      '--profile',
      'spike',
      '--rate',
      '300',
      '--duration',
      '3s',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as LoadJson;
    // 900 asked against a bucket of 200 refilled at 100/s: most of them beyond it
    expect(report.rateLimited).toBeGreaterThan(report.requests * 0.3);
    expect(report.statusCodes['429']).toBe(report.rateLimited);
    expect(report.ok).toBeGreaterThan(200);
    expect(report.errors).toBe(0);
  });

  it('--assert exits 1 when a bound is missed and 0 when every bound holds', async () => {
    const missed = await load(['--duration', '2s', '--assert', 'errors=0,p50<1ms']);
    expect(missed.code).toBe(1);
    expect(missed.stdout).toMatch(/^ok +errors=0 +got 0 /m);
    expect(missed.stdout).toMatch(/^MISSED +p50<1ms +got \d+ms/m);

    const met = await load(['--duration', '2s', '--assert', 'errors=0,p99<5s,degraded<5%']);
    expect(met.code, met.stdout).toBe(0);
    expect(met.stdout).not.toContain('MISSED');
  });

  it.each([
    [['--rate', 'fast'], "option '--rate <n>' argument 'fast' is invalid"],
    [['--rate', '2.5'], "option '--rate <n>' argument '2.5' is invalid. must be a whole number"],
    [['--duration', '10'], "option '--duration <d>' argument '10' is invalid"],
    [['--profile', 'burst'], "option '--profile <name>' argument 'burst' is invalid"],
    [['--assert', 'p99<300'], 'p99 takes a duration like 300ms'],
    [['--assert', 'speed>3'], 'unknown figure "speed"'],
    [['--connections', '0'], "option '--connections <n>' argument '0' is invalid"],
    [['--duration', 'forever', '--json'], '--duration forever: cannot be combined'],
    [['--nope'], "unknown option '--nope'"],
  ])('load %j exits 2 naming what was wrong', async (args, message) => {
    const result = await load(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('chaos sets a fault on one instance, --list shows it, --clear clears it', async () => {
    const set = await chaos([
      'order-service-1',
      '--error-rate',
      '0.5',
      '--latency',
      '300ms',
      '--for',
      '60s',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect((await adminStatus('order-service-1')).chaos).toMatchObject({
      errorRate: 0.5,
      latencyMs: 300,
    });

    const listed = await chaos(['--list']);
    expect(listed.code, listed.stderr).toBe(0);
    const row = (name: string, text: string) =>
      text.split('\n').find((line) => line.startsWith(`${name} `)) ?? '';
    expect(row('order-service-1', listed.stdout)).toMatch(
      /order-service.*ready.*errors 50% \(500\), latency 300ms, until \d{4}-/,
    );
    expect(row('order-service-2', listed.stdout)).toMatch(/ none$/);
    for (const name of ['gateway', 'user-service-1', 'user-service-2']) {
      expect(row(name, listed.stdout)).toMatch(/ ready .* none$/);
    }

    const cleared = await chaos(['order-service-1', '--clear']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect((await adminStatus('order-service-1')).chaos).toMatchObject({
      errorRate: 0,
      latencyMs: 0,
    });
    expect(row('order-service-1', (await chaos(['--list'])).stdout)).toMatch(/ none$/);
  });

  it('chaos --kill kills the instance process and the launcher brings it back', async () => {
    const { pid } = await adminStatus('order-service-2');
    const killed = await chaos(['order-service-2', '--kill']);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toContain(`sent SIGKILL to pid ${pid}`);
    await waitFor(() => (isAlive(pid) ? undefined : true), { what: `pid ${pid} to be gone` });
    await waitFor(
      () =>
        mesh.output().includes('order-service-2 was killed by SIGKILL; restarting')
          ? true
          : undefined,
      { what: 'the launcher to report the kill' },
    );
    const back = await waitFor(
      async () => {
        const status = await adminStatus('order-service-2').catch(() => undefined);
        return status?.ready && status.pid !== pid ? status : undefined;
      },
      { timeoutMs: 30_000, what: 'order-service-2 to be back' },
    );
    const listed = await chaos(['--list']);
    expect(listed.stdout).toMatch(new RegExp(`^order-service-2 .* ready +${back.pid} +none$`, 'm'));
  });

  it.each([
    [['nope', '--clear'], 'no instance or service "nope"'],
    [
      ['order-service-1', '--error-rate', '2'],
      "option '--error-rate <share>' argument '2' is invalid",
    ],
    [['order-service-1', '--latency', '300'], "option '--latency <d>' argument '300' is invalid"],
    [['order-service-1'], 'say what to do'],
    [['--clear'], '--clear: name the instance or service'],
  ])('chaos %j exits 2 naming what was wrong', async (args, message) => {
    const result = await chaos(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
