import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  derivePrometheusConfig,
  prometheusJobs,
  prometheusRuleFiles,
  startAlertmanager,
} from '@mesh/tools/backends';
import type { RunningBackend } from '@mesh/tools/backends';
import { freePort, requireEngine, waitFor } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The stack's Prometheus config, rules and rule tests, and the Alertmanager config, checked by the
// real tools (Debian's promtool 2.42 and amtool) and against each other (docs/alerts.md). That the
// alerts fire on a real fault is e2e/test/alerts.test.ts.

const repoRoot = resolve(__dirname, '..', '..');
const prometheusDir = join(repoRoot, 'infra', 'prometheus');
const configFile = join(prometheusDir, 'prometheus.yml');
const testsDir = join(prometheusDir, 'tests');
const alertmanagerFile = join(repoRoot, 'infra', 'alertmanager', 'alertmanager.yml');
const alertsDoc = join(repoRoot, 'docs', 'alerts.md');
const dashboardsDir = join(repoRoot, 'grafana', 'dashboards');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
  promql_expr_test?: { expr: string }[];
}

const ruleFiles = prometheusRuleFiles(configFile);
const rules: Rule[] = ruleFiles.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (group) => group.rules,
  ),
);
const alerts = rules.filter((rule) => rule.alert !== undefined);
const records = rules.filter((rule) => rule.record !== undefined);
const testFiles = readdirSync(testsDir)
  .filter((name) => name.endsWith('.yml'))
  .sort()
  .map((name) => join(testsDir, name));
const tests: RuleTest[] = testFiles.flatMap(
  (file) => (parse(readFileSync(file, 'utf8')) as { tests: RuleTest[] }).tests,
);

function run(executable: string, args: string[], cwd = repoRoot) {
  const result = spawnSync(executable, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ?? ''}` };
}

describe('the rules and their tests, read as files', () => {
  it('the config loads rules/*.yml and finds rule files there', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    expect(alerts.length).toBeGreaterThan(0);
    expect(records.length).toBeGreaterThan(0);
  });

  it('every alert has a severity, a summary, a description and a runbook in docs/alerts.md', () => {
    const doc = existsSync(alertsDoc) ? readFileSync(alertsDoc, 'utf8') : '';
    // GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
    const anchors = new Set(
      [...doc.matchAll(/^#+\s+(.+)$/gm)].map((m) =>
        (m[1] as string)
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of alerts) {
      const where = `alert ${rule.alert}`;
      expect(['critical', 'warning'], where).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary'], where).toBeTruthy();
      expect(rule.annotations?.['description'], where).toBeTruthy();
      const runbook = rule.annotations?.['runbook_url'] ?? '';
      expect(runbook, where).toMatch(/^docs\/alerts\.md#/);
      expect(anchors, `${where}: ${runbook} has no heading in docs/alerts.md`).toContain(
        runbook.replace('docs/alerts.md#', ''),
      );
    }
  });

  it('every dashboard an alert links to exists in grafana/dashboards', () => {
    const uids = existsSync(dashboardsDir)
      ? readdirSync(dashboardsDir)
          .filter((name) => name.endsWith('.json'))
          .map(
            (name) =>
              (JSON.parse(readFileSync(join(dashboardsDir, name), 'utf8')) as { uid: string }).uid,
          )
      : [];
    for (const rule of alerts) {
      const link = rule.annotations?.['dashboard'] ?? '';
      const uid = /\/d\/([^/?#]+)/.exec(link)?.[1];
      expect(uid, `alert ${rule.alert}: dashboard ${link}`).toBeDefined();
      expect(uids, `alert ${rule.alert}: no dashboard with uid ${uid}`).toContain(uid);
    }
  });

  it('every metric a rule reads is one the mesh documents, Prometheus makes (up) or a rule records', () => {
    const docs = ['telemetry.md', 'resilience.md', 'discovery.md']
      .map((name) => readFileSync(join(repoRoot, 'docs', name), 'utf8'))
      .join('\n');
    const recorded = new Set(records.map((rule) => rule.record));
    for (const rule of rules) {
      // A metric name is an identifier right before a label matcher or a range: name{…} or name[…].
      const names = [...rule.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map(
        (m) => m[1] as string,
      );
      const bare = [...rule.expr.matchAll(/(?:^|[\s(])([a-z_]+:[a-zA-Z0-9_:]+)/g)].map(
        (m) => m[1] as string,
      );
      for (const name of [...names, ...bare]) {
        if (recorded.has(name) || name === 'up') continue;
        const family = name.replace(/_(bucket|count|sum)$/, '');
        expect(
          docs,
          `${rule.alert ?? rule.record}: ${name} is not a documented mesh metric`,
        ).toContain(`\`${family}`);
      }
    }
    expect(rules.some((rule) => rule.expr.includes('up == 0'))).toBe(true);
  });

  it('every alert has a promtool case where it fires and one where it does not', () => {
    const cases = tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const rule of alerts) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${rule.alert}: no test case where it fires`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${rule.alert}: no test case where it stays quiet`,
      ).toBe(true);
    }
    const known = new Set(alerts.map((rule) => rule.alert));
    for (const c of cases)
      expect(known, `test of unknown alert ${c.alertname}`).toContain(c.alertname);
  });

  it('every recording rule is read by a promtool expression test', () => {
    const exprs = tests.flatMap((test) => test.promql_expr_test ?? []).map((t) => t.expr);
    for (const rule of records) {
      const name = rule.record as string;
      expect(
        exprs.some((expr) => new RegExp(`(^|[^a-zA-Z0-9_:])${name}($|[^a-zA-Z0-9_:])`).test(expr)),
        `recording rule ${name} has no promql_expr_test`,
      ).toBe(true);
    }
  });
});

const promtool = requireEngine('promtool', ['/usr/bin']);

describe.skipIf(!promtool)('promtool (Debian Prometheus 2.42)', () => {
  const bin = promtool as string;
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the stack config as compose mounts it, with its rule files', () => {
    // From the repository root: promtool resolves rule_files against the config's own directory.
    const { status, output } = run(bin, ['check', 'config', configFile]);
    expect(output).toContain(`SUCCESS: ${ruleFiles.length} rule files found`);
    expect(status, output).toBe(0);
  });

  it('accepts the native config derived from it', () => {
    const targets = Object.fromEntries(
      prometheusJobs(configFile).map((job, i) => [job, [`127.0.0.1:${9464 + i}`]]),
    );
    const file = join(dir, 'prometheus.yml');
    writeFileSync(
      file,
      derivePrometheusConfig({ configFile, targets, alertmanager: '127.0.0.1:9093' }),
    );
    const { status, output } = run(bin, ['check', 'config', file], dir);
    expect(output).toContain(`SUCCESS: ${ruleFiles.length} rule files found`);
    expect(status, output).toBe(0);
  });

  it('accepts every rule file', () => {
    const { status, output } = run(bin, ['check', 'rules', ...ruleFiles]);
    expect(status, output).toBe(0);
  });

  it.each(testFiles.map((file) => [file.replace(`${repoRoot}/`, ''), file]))(
    'passes the unit tests of %s',
    (_name, file) => {
      const { status, output } = run(bin, ['test', 'rules', file]);
      expect(output).toContain('SUCCESS');
      expect(status, output).toBe(0);
    },
  );
});

const amtool = requireEngine('amtool', ['/usr/bin']);

describe.skipIf(!amtool)('amtool (Debian Alertmanager)', () => {
  const bin = amtool as string;

  it('accepts the Alertmanager config', () => {
    const { status, output } = run(bin, ['check-config', alertmanagerFile]);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('routes each severity the rules use to its receiver', () => {
    const route = (...labels: string[]) =>
      run(bin, [
        'config',
        'routes',
        'test',
        `--config.file=${alertmanagerFile}`,
        ...labels,
      ]).output.trim();
    const severities = new Set(alerts.map((rule) => rule.labels?.['severity']));
    expect([...severities].sort()).toEqual(['critical', 'warning']);
    expect(route('alertname=InstanceDown', 'severity=critical')).toMatch(/^critical$/m);
    expect(route('alertname=CircuitBreakerOpen', 'severity=warning')).toMatch(/^warning$/m);
    expect(route('alertname=Other')).toMatch(/^default$/m);
  });
});

const alertmanagerEngine = requireEngine('prometheus-alertmanager', ['/usr/bin']);

describe.skipIf(!alertmanagerEngine)('the inhibition rules, in a real Alertmanager', () => {
  let alertmanager: RunningBackend | undefined;
  beforeAll(async () => {
    alertmanager = await startAlertmanager({
      configFile: alertmanagerFile,
      port: await freePort(),
      executable: alertmanagerEngine,
    });
  });
  afterAll(() => alertmanager?.stop());

  // Alerts as the rules label them, posted the way Prometheus does (Alertmanager API v2).
  const posted: Record<string, Record<string, string>> = {
    down: { alertname: 'InstanceDown', severity: 'critical', job: 'order-service', instance: 'o1' },
    breakerOfDown: {
      alertname: 'CircuitBreakerOpen',
      severity: 'warning',
      job: 'order-service',
      instance: 'o1',
      upstream: 'user-service',
    },
    breakerOfOther: {
      alertname: 'CircuitBreakerOpen',
      severity: 'warning',
      job: 'order-service',
      instance: 'o2',
      upstream: 'user-service',
    },
    fastBurn: {
      alertname: 'GatewayAvailabilityBudgetBurnFast',
      severity: 'critical',
      job: 'gateway',
      slo: 'gateway-availability',
    },
    slowBurnSameSlo: {
      alertname: 'GatewayAvailabilityBudgetBurnSlow',
      severity: 'warning',
      job: 'gateway',
      slo: 'gateway-availability',
    },
    slowBurnOtherSlo: {
      alertname: 'GatewayLatencyBudgetBurnSlow',
      severity: 'warning',
      job: 'gateway',
      slo: 'gateway-latency',
    },
    noHealthy: {
      alertname: 'NoHealthyUpstream',
      severity: 'critical',
      job: 'gateway',
      instance: 'g',
      upstream: 'user-service',
    },
    retriesOfNoHealthy: {
      alertname: 'RetryBudgetExhausted',
      severity: 'warning',
      job: 'gateway',
      instance: 'g',
      upstream: 'user-service',
    },
    retriesOfOther: {
      alertname: 'RetryBudgetExhausted',
      severity: 'warning',
      job: 'gateway',
      instance: 'g',
      upstream: 'order-service',
    },
  };

  it('mutes the symptoms of a cause and nothing else', async () => {
    const url = alertmanager?.url as string;
    const response = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        Object.values(posted).map((labels) => ({
          labels,
          startsAt: new Date().toISOString(),
          endsAt: new Date(Date.now() + 600_000).toISOString(),
        })),
      ),
    });
    expect(response.status).toBe(200);
    const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
    const expected = {
      down: 'active',
      breakerOfDown: 'suppressed',
      breakerOfOther: 'active',
      fastBurn: 'active',
      slowBurnSameSlo: 'suppressed',
      slowBurnOtherSlo: 'active',
      noHealthy: 'active',
      retriesOfNoHealthy: 'suppressed',
      retriesOfOther: 'active',
    };
    // Alertmanager takes the posted alerts in one by one: ask until the states settle.
    let states: Record<string, string | undefined> = {};
    await waitFor(
      async () => {
        const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
          labels: Record<string, string>;
          status: { state: string };
        }[];
        const byKey = new Map(alerts.map((a) => [key(a.labels), a.status.state]));
        states = Object.fromEntries(
          Object.entries(posted).map(([name, labels]) => [name, byKey.get(key(labels))]),
        );
        return JSON.stringify(states) === JSON.stringify(expected) ? states : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'the inhibited alerts to settle' },
    ).catch(() => undefined);
    expect(states).toEqual(expected);
  }, 20_000);
});
