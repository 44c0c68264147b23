import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  derivePrometheusConfig,
  deriveTestRules,
  meshScrapeTargets,
  parseDuration,
  prometheusJobs,
  prometheusRuleFiles,
} from './prometheus-config';

const repoRoot = resolve(__dirname, '..', '..', '..');
const configFile = join(repoRoot, 'infra', 'prometheus', 'prometheus.yml');
const rulesDir = join(repoRoot, 'infra', 'prometheus', 'rules');

type Job = Record<string, unknown> & { job_name: string };
type Rule = Record<string, unknown> & {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
};
type Group = { name: string; rules: Rule[] };

// the one config, read as compose mounts it
const stack = parse(readFileSync(configFile, 'utf8')) as {
  global: unknown;
  scrape_configs: Job[];
  rule_files: string[];
};

const nativeTargets = {
  gateway: [{ target: '127.0.0.1:9464', labels: { instance: 'gateway' } }],
  'user-service': ['127.0.0.1:9465', '127.0.0.1:9466'],
  'order-service': ['127.0.0.1:9467', '127.0.0.1:9468'],
  'otel-collector': ['127.0.0.1:8889'],
  prometheus: ['127.0.0.1:9090'],
  alertmanager: [],
};

function omit(object: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

function derived(extra: Partial<Parameters<typeof derivePrometheusConfig>[0]> = {}) {
  const text = derivePrometheusConfig({
    configFile,
    targets: nativeTargets,
    alertmanager: '127.0.0.1:9093',
    ...extra,
  });
  return parse(text) as {
    global: unknown;
    scrape_configs: Job[];
    rule_files: string[];
    alerting?: { alertmanagers: Record<string, unknown>[] };
  };
}

describe('derivePrometheusConfig', () => {
  it('keeps every job, in order, with its relabels, honor_labels and intervals', () => {
    const native = derived();
    expect(native.global).toEqual(stack.global);
    expect(native.scrape_configs.map((j) => j.job_name)).toEqual(
      stack.scrape_configs.map((j) => j.job_name),
    );
    for (const [i, job] of stack.scrape_configs.entries()) {
      expect(omit(native.scrape_configs[i] as Job, 'static_configs')).toEqual(
        omit(job, 'dns_sd_configs', 'static_configs'),
      );
    }
  });

  it('replaces DNS service discovery by the static targets given, one group per label set', () => {
    const jobs = Object.fromEntries(derived().scrape_configs.map((j) => [j.job_name, j]));
    expect(stack.scrape_configs.some((j) => 'dns_sd_configs' in j)).toBe(true);
    for (const job of Object.values(jobs)) expect(job).not.toHaveProperty('dns_sd_configs');
    expect(jobs['gateway']?.['static_configs']).toEqual([
      { targets: ['127.0.0.1:9464'], labels: { instance: 'gateway' } },
    ]);
    expect(jobs['user-service']?.['static_configs']).toEqual([
      { targets: ['127.0.0.1:9465', '127.0.0.1:9466'] },
    ]);
    expect(jobs['otel-collector']?.['static_configs']).toEqual([{ targets: ['127.0.0.1:8889'] }]);
    // an empty list keeps the job, without targets
    expect(jobs['alertmanager']).toBeDefined();
    expect(jobs['alertmanager']).not.toHaveProperty('static_configs');
  });

  it('points alerting at the Alertmanager given, or drops it without one', () => {
    expect(derived().alerting?.alertmanagers).toEqual([
      { static_configs: [{ targets: ['127.0.0.1:9093'] }] },
    ]);
    expect(derived({ alertmanager: undefined })).not.toHaveProperty('alerting');
  });

  it('makes the rule files absolute against the config directory, or uses the ones given', () => {
    expect(stack.rule_files).toEqual(['rules/*.yml']);
    expect(derived().rule_files).toEqual([join(rulesDir, '*.yml')]);
    expect(derived({ ruleFiles: ['/tmp/test-rules.yml'] }).rule_files).toEqual([
      '/tmp/test-rules.yml',
    ]);
  });

  it('refuses targets that do not name exactly the jobs of the config', () => {
    const withoutPrometheus = omit(nativeTargets, 'prometheus') as Record<string, string[]>;
    expect(() => derivePrometheusConfig({ configFile, targets: withoutPrometheus })).toThrow(
      /no targets given for job\(s\) prometheus/,
    );
    expect(() =>
      derivePrometheusConfig({ configFile, targets: { ...nativeTargets, gatewya: [] } }),
    ).toThrow(/targets given for job\(s\) gatewya not in the config/);
  });
});

describe('prometheusJobs and prometheusRuleFiles', () => {
  it('list the jobs compose scrapes and the rule files the glob matches', () => {
    expect(prometheusJobs(configFile)).toEqual([
      'gateway',
      'user-service',
      'order-service',
      'otel-collector',
      'prometheus',
      'alertmanager',
    ]);
    const files = prometheusRuleFiles(configFile);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(new RegExp(`^${rulesDir}/[^/]+\\.yml$`));
  });
});

describe('deriveTestRules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shortens only the for: of alerts, everything else as in the real rules', () => {
    const ruleFiles = prometheusRuleFiles(configFile);
    const real = ruleFiles.flatMap(
      (file) => (parse(readFileSync(file, 'utf8')) as { groups: Group[] }).groups,
    );
    const test = (parse(deriveTestRules({ ruleFiles, for: '5s' })) as { groups: Group[] }).groups;
    expect(test.map((g) => g.name)).toEqual(real.map((g) => g.name));
    const alerts = test.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThan(0);
    for (const [g, group] of real.entries()) {
      for (const [r, rule] of group.rules.entries()) {
        const copy = test[g]?.rules[r] as Rule;
        const shortened = copy.for;
        expect(omit(copy, 'for')).toEqual(omit(rule, 'for'));
        if (rule.alert && rule.for)
          expect(parseDuration(shortened as string)).toBeLessThanOrEqual(5000);
        if (rule.record) expect(shortened).toBeUndefined();
      }
    }
  });

  it('keeps a for: that is already shorter', () => {
    const file = join(dir, 'short.yml');
    writeFileSync(
      file,
      'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 2s\n      - alert: B\n        expr: up == 0\n        for: 1h\n',
    );
    const rules = (parse(deriveTestRules({ ruleFiles: [file], for: '10s' })) as { groups: Group[] })
      .groups[0]?.rules;
    expect(rules?.map((r) => r.for)).toEqual(['2s', '10s']);
  });
});

describe('parseDuration', () => {
  it('reads Prometheus durations and refuses anything else', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('0s')).toBe(0);
    expect(() => parseDuration('5 minutes')).toThrow(/not a Prometheus duration/);
    expect(() => parseDuration('')).toThrow(/not a Prometheus duration/);
  });
});

describe('meshScrapeTargets', () => {
  it('groups the launcher instances by service and labels each with its name', () => {
    expect(
      meshScrapeTargets([
        { name: 'gateway', service: 'gateway', adminUrl: 'http://127.0.0.1:29464' },
        { name: 'user-service-1', service: 'user-service', adminUrl: 'http://127.0.0.1:29465' },
        { name: 'user-service-2', service: 'user-service', adminUrl: 'http://127.0.0.1:29466' },
      ]),
    ).toEqual({
      gateway: [{ target: '127.0.0.1:29464', labels: { instance: 'gateway' } }],
      'user-service': [
        { target: '127.0.0.1:29465', labels: { instance: 'user-service-1' } },
        { target: '127.0.0.1:29466', labels: { instance: 'user-service-2' } },
      ],
    });
  });
});
