import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireEngine, waitFor } from '@mesh/testing';
import {
  derivePrometheusConfig,
  deriveTestRules,
  meshScrapeTargets,
  prometheusRuleFiles,
  startAlertmanager,
  startPrometheus,
} from '@mesh/tools/backends';
import type { RunningBackend } from '@mesh/tools/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { admin, seed, steadyTraffic } from '../src/traffic';

// The stack's alert rules on the real mesh: a real Prometheus (Debian) scraping the native mesh
// with the config derived from infra/prometheus/prometheus.yml, rules derived from
// infra/prometheus/rules/*.yml with only `for:` shortened, and a real Alertmanager with
// infra/alertmanager/alertmanager.yml. A fault injected through the admin chaos API must make the
// matching alert fire and reach Alertmanager (docs/alerts.md#how-it-is-tested).

const configFile = join(repoRoot, 'infra', 'prometheus', 'prometheus.yml');
const alertmanagerConfig = join(repoRoot, 'infra', 'alertmanager', 'alertmanager.yml');

interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}
interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: { name: string }[];
  status: { state: string; inhibitedBy: string[] };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const engines = [
  requireEngine('prometheus', ['/usr/bin']),
  requireEngine('prometheus-alertmanager', ['/usr/bin']),
];

describe.skipIf(engines.includes(undefined))('alerts on a real fault', () => {
  let mesh: RunningMesh;
  let prometheus: RunningBackend | undefined;
  let alertmanager: RunningBackend | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mesh-alerts-'));

  beforeAll(async () => {
    // Unpaced read loops would be mostly 429s past the default 100 req/s limit, diluting the
    // fault this file is about.
    mesh = await startMesh({ env: { RATE_LIMIT_POLICY: 'off' } });
    const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
    alertmanager = await startAlertmanager({
      configFile: alertmanagerConfig,
      port: alertmanagerPort,
      workDir: join(dir, 'alertmanager'),
    });
    // The real rules, every alert's `for:` cut to 0s: an alert fires on the first evaluation
    // whose expression matches, instead of minutes later.
    const rulesFile = join(dir, 'rules.test.yml');
    writeFileSync(
      rulesFile,
      deriveTestRules({ ruleFiles: prometheusRuleFiles(configFile), for: '0s' }),
    );
    const config = derivePrometheusConfig({
      configFile,
      targets: {
        ...meshScrapeTargets(mesh.instances),
        'otel-collector': [],
        prometheus: [`127.0.0.1:${prometheusPort}`],
        alertmanager: [`127.0.0.1:${alertmanagerPort}`],
      },
      alertmanager: `127.0.0.1:${alertmanagerPort}`,
      ruleFiles: [rulesFile],
    });
    prometheus = await startPrometheus({
      config,
      port: prometheusPort,
      workDir: join(dir, 'prometheus'),
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await mesh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (promql: string) =>
    (
      await getJson<{
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      }>(`${prometheus?.url}/api/v1/query?query=${encodeURIComponent(promql)}`)
    ).data.result;

  /** The alerts Alertmanager holds with this alertname (its v2 API, as its UI reads them). */
  const received = (alertname: string) =>
    getJson<AlertmanagerAlert[]>(
      `${alertmanager?.url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`,
    );

  it('scrapes every mesh instance under the job names compose uses', async () => {
    const up = await waitFor(
      async () => {
        const result = await query('up{job=~"gateway|user-service|order-service"} == 1');
        return result.length === mesh.instances.length ? result : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'every mesh instance up in Prometheus' },
    );
    const seen = up.map((s) => `${s.metric['job']}/${s.metric['instance']}/${s.metric['service']}`);
    expect(seen.sort()).toEqual(
      mesh.instances.map((i) => `${i.service}/${i.name}/${i.service}`).sort(),
    );
  });

  it('when every user-service call fails, the gateway breaker alert fires and reaches Alertmanager', async () => {
    const { userId } = await seed(mesh);
    const users = mesh.instances.filter((i) => i.service === 'user-service');
    await Promise.all(
      users.map((i) =>
        admin(mesh, i.name, 'POST', '/admin/chaos', {
          errorRate: 1,
          errorStatus: 503,
          durationMs: 90_000,
        }),
      ),
    );
    const traffic = steadyTraffic(mesh, `/users/${userId}`, 2, 100_000);
    try {
      const firing = await waitFor(
        async () => {
          const { data } = await getJson<{ data: { alerts: PrometheusAlert[] } }>(
            `${prometheus?.url}/api/v1/alerts`,
          );
          return data.alerts.find(
            (a) =>
              a.labels['alertname'] === 'CircuitBreakerOpen' &&
              a.labels['job'] === 'gateway' &&
              a.state === 'firing',
          );
        },
        { timeoutMs: 45_000, intervalMs: 500, what: 'CircuitBreakerOpen firing in Prometheus' },
      );
      expect(firing.labels).toMatchObject({
        severity: 'warning',
        instance: 'gateway',
        mesh_upstream: 'user-service',
        upstream: 'user-service',
      });
      expect(firing.annotations['summary']).toBe(
        'gateway (gateway) keeps its breaker to user-service open',
      );

      const breaker = await waitFor(
        async () => {
          const alerts = await received('CircuitBreakerOpen');
          return alerts.find((a) => a.labels['job'] === 'gateway');
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'CircuitBreakerOpen in Alertmanager' },
      );
      expect(breaker.labels).toMatchObject({ upstream: 'user-service', severity: 'warning' });
      expect(breaker.receivers.map((r) => r.name)).toEqual(['warning']);
      expect(breaker.annotations['runbook_url']).toBe('docs/alerts.md#circuitbreakeropen');

      // The user-facing side of the same fault: gateway reads answer 503, burning the
      // availability budget far faster than 14.4×.
      const burn = await waitFor(
        async () => {
          const alerts = await received('GatewayAvailabilityBudgetBurnFast');
          return alerts[0];
        },
        {
          timeoutMs: 30_000,
          intervalMs: 500,
          what: 'GatewayAvailabilityBudgetBurnFast in Alertmanager',
        },
      );
      expect(burn.labels).toMatchObject({
        job: 'gateway',
        slo: 'gateway-availability',
        severity: 'critical',
      });
      expect(burn.receivers.map((r) => r.name)).toEqual(['critical']);
    } finally {
      await traffic.stop();
      await Promise.all(users.map((i) => admin(mesh, i.name, 'DELETE', '/admin/chaos')));
    }
  });

  it('when an instance hangs, InstanceDown fires for it and pages', async () => {
    // SIGSTOP rather than a kill: the launcher restarts a dead instance within a second, a frozen
    // one stays frozen — its admin port accepts nothing and every scrape times out.
    const hung = mesh.instance('user-service-2');
    const pid = hung.pid as number;
    process.kill(pid, 'SIGSTOP');
    try {
      const down = await waitFor(
        async () => {
          const alerts = await received('InstanceDown');
          return alerts.find((a) => a.labels['instance'] === 'user-service-2');
        },
        {
          timeoutMs: 40_000,
          intervalMs: 500,
          what: 'InstanceDown of user-service-2 in Alertmanager',
        },
      );
      expect(down.labels).toMatchObject({ job: 'user-service', severity: 'critical' });
      expect(down.receivers.map((r) => r.name)).toEqual(['critical']);
      expect(down.annotations['summary']).toBe('user-service instance user-service-2 is down');
      const notUp = await query('up == 0');
      expect(notUp.map((s) => s.metric['instance'])).toEqual(['user-service-2']);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
