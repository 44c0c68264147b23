import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The Prometheus config and rules of the stack, derived for the native runs: compose mounts
 * infra/prometheus/prometheus.yml as it is; `npm run backends` and the tests derive their config
 * from that one file here, so a job, a relabel or an interval changed there changes everywhere.
 * See docs/alerts.md and docs/native-backends.md.
 */

/** A scrape target with the labels it should carry, e.g. `{ instance: 'user-service-1' }`. */
export interface StaticTarget {
  /** `host:port` */
  target: string;
  labels?: Readonly<Record<string, string>>;
}

export interface DerivePrometheusConfigOptions {
  /** The stack's config, normally `<repo>/infra/prometheus/prometheus.yml`. */
  configFile: string;
  /**
   * The static targets of every job of the config, by job name (`host:port` or
   * {@link StaticTarget}). They replace the job's service discovery and static targets. Every job
   * must be named (an empty list keeps the job without targets) and no other: a job added to the
   * config, or a typo here, fails loudly instead of silently scraping nothing.
   */
  targets: Readonly<Record<string, readonly (string | StaticTarget)[]>>;
  /** `host:port` of the Alertmanager to send alerts to; without it the `alerting` section goes. */
  alertmanager?: string;
  /**
   * Rule files to load instead of the config's own `rule_files` (e.g. one written from
   * {@link deriveTestRules}). Relative paths are resolved against the working directory.
   * Default: the config's `rule_files`, made absolute against the config's directory.
   */
  ruleFiles?: readonly string[];
}

type Yaml = Record<string, unknown>;

/** Keys of a scrape or Alertmanager config that find targets; all are replaced by static ones. */
function isDiscoveryKey(key: string): boolean {
  return key === 'static_configs' || key.endsWith('_sd_configs');
}

function withoutDiscovery(section: Yaml): Yaml {
  return Object.fromEntries(Object.entries(section).filter(([key]) => !isDiscoveryKey(key)));
}

function staticConfigs(targets: readonly (string | StaticTarget)[]): Yaml[] {
  // One group per distinct label set, in the order the targets were given.
  const groups = new Map<string, { targets: string[]; labels?: Record<string, string> }>();
  for (const entry of targets) {
    const { target, labels } =
      typeof entry === 'string' ? { target: entry, labels: undefined } : entry;
    const key = JSON.stringify(labels ?? {});
    let group = groups.get(key);
    if (!group) {
      group =
        labels && Object.keys(labels).length > 0
          ? { targets: [], labels: { ...labels } }
          : { targets: [] };
      groups.set(key, group);
    }
    group.targets.push(target);
  }
  return [...groups.values()];
}

function readYamlFile(file: string): Yaml {
  const parsed: unknown = parse(readFileSync(file, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file} is not a YAML mapping`);
  }
  return parsed as Yaml;
}

function scrapeConfigsOf(config: Yaml, file: string): Yaml[] {
  const scrapeConfigs = config['scrape_configs'];
  if (!Array.isArray(scrapeConfigs)) throw new Error(`${file} has no scrape_configs list`);
  return scrapeConfigs as Yaml[];
}

/** The job names of a Prometheus config file, in order. */
export function prometheusJobs(configFile: string): string[] {
  return scrapeConfigsOf(readYamlFile(configFile), configFile).map((job) =>
    String(job['job_name']),
  );
}

/**
 * The rule files a config's `rule_files` names, as absolute paths: each entry resolved against
 * the config's directory, a `*` in the file name expanded (the only glob the stack uses).
 */
export function prometheusRuleFiles(configFile: string): string[] {
  const config = readYamlFile(configFile);
  const patterns = (config['rule_files'] as unknown[] | undefined) ?? [];
  const base = dirname(resolve(configFile));
  return patterns.flatMap((pattern) => expandFileGlob(resolve(base, String(pattern))));
}

function expandFileGlob(path: string): string[] {
  const name = basename(path);
  if (!name.includes('*')) return [path];
  const dir = dirname(path);
  if (dir.includes('*')) throw new Error(`only a * in the file name is supported: ${path}`);
  const escaped = name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  const matcher = new RegExp(`^${escaped}$`);
  return readdirSync(dir)
    .filter((entry) => matcher.test(entry))
    .sort()
    .map((entry) => join(dir, entry));
}

/**
 * The native variant of the stack's Prometheus config, as YAML text: the same jobs, relabels,
 * `honor_labels`, intervals and rules; only each job's service discovery is replaced by the
 * static targets given, the Alertmanager target by `alertmanager`, and the rule file paths made
 * absolute (or replaced by `ruleFiles`), so the result can live in any directory.
 */
export function derivePrometheusConfig(options: DerivePrometheusConfigOptions): string {
  const { configFile } = options;
  const config = readYamlFile(configFile);
  const jobs = scrapeConfigsOf(config, configFile);

  const names = jobs.map((job) => String(job['job_name']));
  const missing = names.filter((name) => !Object.hasOwn(options.targets, name));
  const unknown = Object.keys(options.targets).filter((name) => !names.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    const problems = [
      missing.length > 0 ? `no targets given for job(s) ${missing.join(', ')}` : '',
      unknown.length > 0 ? `targets given for job(s) ${unknown.join(', ')} not in the config` : '',
    ].filter(Boolean);
    throw new Error(`${configFile}: ${problems.join('; ')} (jobs: ${names.join(', ')})`);
  }

  config['scrape_configs'] = jobs.map((job) => {
    const targets = options.targets[String(job['job_name'])] ?? [];
    const derived = withoutDiscovery(job);
    if (targets.length > 0) derived['static_configs'] = staticConfigs(targets);
    return derived;
  });

  if (options.alertmanager === undefined) {
    delete config['alerting'];
  } else {
    const alerting = (config['alerting'] as Yaml | undefined) ?? {};
    const first = ((alerting['alertmanagers'] as Yaml[] | undefined) ?? [])[0] ?? {};
    config['alerting'] = {
      ...alerting,
      alertmanagers: [
        { ...withoutDiscovery(first), static_configs: [{ targets: [options.alertmanager] }] },
      ],
    };
  }

  const base = dirname(resolve(configFile));
  config['rule_files'] =
    options.ruleFiles !== undefined
      ? options.ruleFiles.map((file) => resolve(file))
      : ((config['rule_files'] as unknown[] | undefined) ?? []).map((file) =>
          isAbsolute(String(file)) ? String(file) : resolve(base, String(file)),
        );

  return stringify(config, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export interface DeriveTestRulesOptions {
  /** The rule files to derive from (e.g. {@link prometheusRuleFiles} of the stack's config). */
  ruleFiles: readonly string[];
  /**
   * The `for:` every alert gets instead of its own when its own is longer (a Prometheus
   * duration, e.g. `5s`; `0s` fires on the first evaluation that matches).
   */
  for: string;
}

/**
 * A rule file for tests made from the real ones: every group of every file, every expression,
 * label and annotation unchanged, only each alert's `for:` shortened to `options.for` — so a
 * test sees the real alert fire within seconds instead of minutes. Returns YAML text.
 */
export function deriveTestRules(options: DeriveTestRulesOptions): string {
  const limit = parseDuration(options.for);
  const groups = options.ruleFiles.flatMap((file) => {
    const content = readYamlFile(file);
    const fileGroups = content['groups'];
    if (!Array.isArray(fileGroups)) throw new Error(`${file} has no groups list`);
    return (fileGroups as Yaml[]).map((group) => ({
      ...group,
      rules: ((group['rules'] as Yaml[] | undefined) ?? []).map((rule) => {
        if (rule['alert'] === undefined) return rule;
        const own = rule['for'] === undefined ? 0 : parseDuration(String(rule['for']));
        return own > limit ? { ...rule, for: options.for } : rule;
      }),
    }));
  });
  return stringify({ groups }, { aliasDuplicateObjects: false, lineWidth: 0 });
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** A Prometheus duration (`1h30m`, `5s`, `250ms`) in milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) {
    throw new Error(`not a Prometheus duration: ${JSON.stringify(text)}`);
  }
  return parts.reduce(
    (sum, part) => sum + Number(part[1]) * (DURATION_UNITS[part[2] as string] ?? 0),
    0,
  );
}

/** One mesh process as the launcher describes it (its `mesh.json`, e2e's `startMesh`). */
export interface MeshProcess {
  /** `gateway`, `user-service-1`, … — the launcher's instance name and `service.instance.id`. */
  name: string;
  service: string;
  /** Its admin base URL, e.g. `http://127.0.0.1:9465`. */
  adminUrl: string;
}

/**
 * Scrape targets of the native mesh, by job (= service): each instance's admin `host:port`,
 * labelled `instance=<name>` — the same value as its `service.instance.id`, so `instance` reads
 * `user-service-1` rather than a port.
 */
export function meshScrapeTargets(
  processes: readonly MeshProcess[],
): Record<string, StaticTarget[]> {
  const byJob: Record<string, StaticTarget[]> = {};
  for (const instance of processes) {
    const { host } = new URL(instance.adminUrl);
    (byJob[instance.service] ??= []).push({ target: host, labels: { instance: instance.name } });
  }
  return byJob;
}
