import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd, startEtcd } from '@mesh/testing';
import type { EtcdServer } from '@mesh/testing';
import { SCENARIOS, findScenario, runScenario } from '@mesh/tools/scenarios';
import type { ScenarioOptions, ScenarioReport } from '@mesh/tools/scenarios';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';

const cli = join(repoRoot, 'tools', 'dist', 'scenarios', 'main.js');

/** Settings that keep each scenario within seconds: short sleep windows, health intervals and deadline. */
const QUICK = {
  USER_SERVICE_BREAKER_SLEEP_WINDOW_MS: '2000',
  USER_SERVICE_HEALTH_INTERVAL_MS: '500',
  ORDER_SERVICE_HEALTH_INTERVAL_MS: '500',
  GATEWAY_DEADLINE_MS: '1500',
};

/** Every pattern a scenario checks, switched off by configuration. */
const SWITCHED_OFF = {
  USER_SERVICE_BREAKER: 'off',
  RATE_LIMIT_POLICY: 'off',
  ORDER_SERVICE_MAX_ATTEMPTS: '1',
  ORDER_SERVICE_OUTLIER_MAX_EJECTION_PERCENT: '0',
  // 2 retries per request earned = every retry of 3 attempts paid for: no budget.
  USER_SERVICE_RETRY_BUDGET_RATIO: '2',
};

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  lastLine: string;
}

/** `npm run scenario -- <args>` without the build step. */
function scenarioCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = stdout.trimEnd().split('\n');
      resolve({ code, stdout, stderr, lastLine: lines[lines.length - 1] ?? '' });
    });
  });
}

function against(mesh: RunningMesh, name: string, extra: string[] = []): Promise<CliRun> {
  return scenarioCli([
    name,
    '--target',
    mesh.gateway,
    '--token',
    mesh.adminToken,
    '--state',
    join(mesh.logsDir, 'mesh.json'),
    ...extra,
  ]);
}

function programmatic(mesh: RunningMesh, etcd: EtcdServer): ScenarioOptions {
  return {
    target: mesh.gateway,
    token: mesh.adminToken,
    stateFile: join(mesh.logsDir, 'mesh.json'),
    logsDir: mesh.logsDir,
    etcdEndpoints: [etcd.endpoint],
    etcd: {
      describe: 'the test stops its etcd',
      stop: () => etcd.stop(),
      start: () => etcd.restart(),
    },
    links: {
      grafana: 'http://localhost:3000',
      jaeger: 'http://localhost:16686',
      kibana: 'http://localhost:5601',
      prometheus: 'http://localhost:9090',
    },
  };
}

describe('npm run scenario: the command line', () => {
  it('--list names all five scenarios; an unknown one or a bad flag exits 2 with a message', async () => {
    const list = await scenarioCli(['--list']);
    expect(list.code).toBe(0);
    for (const scenario of SCENARIOS) expect(list.stdout).toContain(scenario.name);
    expect(SCENARIOS.map((s) => s.name)).toEqual([
      'breaker-trip',
      'instance-failover',
      'rate-limit',
      'slow-upstream',
      'registry-outage',
    ]);
    const unknown = await scenarioCli(['nope', '--token', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no scenario "nope"');
    const badTarget = await scenarioCli(['breaker-trip', '--token', 'x', '--target', 'nowhere']);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('--target');
    const noEtcd = await scenarioCli(['registry-outage', '--token', 'x']);
    expect(noEtcd.code).toBe(2);
    expect(noEtcd.stderr).toContain('--etcd-pid');
  });

  it('a gateway that is not there is a FAIL (exit 1) naming it, not a crash', async () => {
    const run = await scenarioCli(['rate-limit', '--token', 'x', '--target', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.lastLine).toMatch(/^FAIL: cannot read the gateway's \/admin\/status/);
  });
});

/** registry-outage needs a real etcd: skipped loudly without one, a failure when CI is set. */
const hasEtcd = requireEtcd() !== undefined;

describe('every scenario against the native mesh', () => {
  let etcd: EtcdServer;
  beforeAll(async () => {
    if (hasEtcd) etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.destroy();
  });

  describe('with every pattern on (the static registry)', () => {
    let mesh: RunningMesh;
    beforeAll(async () => {
      mesh = await startMesh({ env: QUICK });
    });
    afterAll(async () => {
      await mesh?.stop();
    });

    it.each(['breaker-trip', 'instance-failover', 'slow-upstream'])('%s PASSes', async (name) => {
      const run = await against(mesh, name);
      expect(run.lastLine, run.stdout).toBe('PASS');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('where to look:');
    });

    it('rate-limit PASSes, and --json prints the whole report as one object', async () => {
      const run = await against(mesh, 'rate-limit', ['--json']);
      expect(run.code, run.stdout).toBe(0);
      const report = JSON.parse(run.stdout) as ScenarioReport;
      expect(report.verdict).toBe('PASS');
      expect(report.checks.map((c) => c.name)).toContain('the share of 429s matches the policy');
      expect(report.look.map((l) => l.ui)).toEqual([
        'Grafana',
        'Grafana',
        'Prometheus',
        'Jaeger',
        'Kibana',
      ]);
    });

    it('leaves no fault behind: every instance reports no chaos after the scenarios', async () => {
      for (const instance of mesh.instances) {
        const response = await fetch(`${instance.adminUrl}/admin/status`, {
          headers: { authorization: `Bearer ${mesh.adminToken}` },
        });
        const status = (await response.json()) as {
          chaos: { errorRate: number; latencyMs: number };
        };
        expect(status.chaos, instance.name).toMatchObject({ errorRate: 0, latencyMs: 0 });
      }
    });

    it.skipIf(!hasEtcd)(
      'registry-outage FAILs on the static registry: no new instance can be found',
      async () => {
        const report = await runScenario(
          findScenario('registry-outage') as (typeof SCENARIOS)[number],
          programmatic(mesh, etcd),
        );
        expect(report.verdict).toBe('FAIL');
        expect(report.reason).toContain('a new instance is found and gets traffic');
        expect(report.cleanup.every((step) => step.ok)).toBe(true);
      },
    );
  });

  describe('with each pattern switched off by configuration', () => {
    let mesh: RunningMesh;
    beforeAll(async () => {
      mesh = await startMesh({ env: { ...QUICK, ...SWITCHED_OFF } });
    });
    afterAll(async () => {
      await mesh?.stop();
    });

    it.each([
      ['breaker-trip', 'USER_SERVICE_BREAKER=off', 'user-service stops being called'],
      ['instance-failover', 'ORDER_SERVICE_MAX_ATTEMPTS=1, no outlier ejection', 'no read failed'],
      ['rate-limit', 'RATE_LIMIT_POLICY=off', 'the share of 429s matches the policy'],
      ['slow-upstream', 'USER_SERVICE_RETRY_BUDGET_RATIO=2', 'the retry budget can refuse a retry'],
    ])('%s FAILs with %s', async (name, _switch, failedCheck) => {
      const run = await against(mesh, name);
      expect(run.code, run.stdout).toBe(1);
      expect(run.lastLine).toMatch(/^FAIL: /);
      expect(run.lastLine).toContain(failedCheck);
    });
  });

  describe.skipIf(!hasEtcd)('on etcd (npm start -- --registry etcd)', () => {
    let mesh: RunningMesh;
    beforeAll(async () => {
      mesh = await startMesh({
        args: ['--registry', 'etcd', '--etcd-endpoints', etcd.endpoint],
        env: { ...QUICK, ETCD_LEASE_TTL_SECONDS: '3' },
      });
    });
    afterAll(async () => {
      await mesh?.stop();
    });

    it('registry-outage PASSes with the real etcd stopped and started again', async () => {
      const lines: string[] = [];
      const report = await runScenario(
        findScenario('registry-outage') as (typeof SCENARIOS)[number],
        programmatic(mesh, etcd),
        { print: (line) => lines.push(line) },
      );
      expect(report.verdict, lines.join('\n')).toBe('PASS');
      expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
        ['traffic continues from the cache', true],
        ['a new instance is found and gets traffic', true],
        ['no caller was restarted', true],
      ]);
    });
  });
});
