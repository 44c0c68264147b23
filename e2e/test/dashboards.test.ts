import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireEngine } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DEFAULT_BACKEND_PORTS,
  derivePrometheusConfig,
  locateEngine,
  meshScrapeTargets,
  prometheusJobs,
  startCollector,
  startPrometheus,
} from '@mesh/tools/backends';
import type { BackendPorts, EngineProcess, RunningBackend } from '@mesh/tools/backends';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { admin, seed, sleep } from '../src/traffic';

// "Every dashboard query runs" (docs/dashboards.md#how-they-are-tested): the native mesh, scraped by
// a real Prometheus whose config is derived from infra/prometheus/prometheus.yml (same jobs,
// relabels and rules as compose) and, when the Collector is built, the Collector's span metrics
// fed by the mesh's own traces. Traffic with injected faults, breaker trips, rate limiting,
// retries beyond their budget and expired deadlines; then every PromQL target of every panel and
// every variable query of grafana/dashboards/*.json must parse and return data.

const dashboardsDir = join(repoRoot, 'grafana', 'dashboards');
const prometheusConfigFile = join(repoRoot, 'infra', 'prometheus', 'prometheus.yml');

/**
 * Targets that cannot have data in this run, by `<dashboard uid> / <panel title> / <refId>`,
 * with the reason. Keep it short: everything else must return data.
 */
const ALLOWLIST: Record<string, string> = {};

/** Targets that need the Collector; allowed to be empty only when it is not built (not in CI). */
const needsCollector = (expr: string) => expr.includes('traces_span_metrics_');

interface PanelTarget {
  key: string;
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
  exemplar: boolean;
}
interface VariableQuery {
  dashboard: string;
  name: string;
  query: string;
}

interface RawPanel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: {
    refId: string;
    datasource?: { uid?: string };
    expr?: string;
    instant?: boolean;
    range?: boolean;
    exemplar?: boolean;
  }[];
  panels?: RawPanel[];
}
interface RawDashboard {
  uid: string;
  panels: RawPanel[];
  templating: {
    list: { name: string; datasource?: { uid?: string }; query?: string | { query?: string } }[];
  };
}

function readDashboards(): RawDashboard[] {
  return readdirSync(dashboardsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as RawDashboard);
}

function promTargets(dashboards: RawDashboard[]): PanelTarget[] {
  return dashboards.flatMap((d) =>
    d.panels
      .flatMap((p) => [p, ...(p.panels ?? [])])
      .flatMap((panel) =>
        (panel.targets ?? [])
          .filter((t) => (t.datasource?.uid ?? panel.datasource?.uid) === 'prometheus')
          .map((t) => ({
            key: `${d.uid} / ${panel.title} / ${t.refId}`,
            dashboard: d.uid,
            panel: panel.title,
            refId: t.refId,
            expr: t.expr ?? '',
            instant: t.instant === true && t.range !== true,
            exemplar: t.exemplar === true,
          })),
      ),
  );
}

function otherTargets(dashboards: RawDashboard[]): string[] {
  return dashboards.flatMap((d) =>
    d.panels.flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t) => (t.datasource?.uid ?? panel.datasource?.uid) !== 'prometheus')
        .map((t) => `${d.uid} / ${panel.title} / ${t.refId} (${t.datasource?.uid})`),
    ),
  );
}

function variableQueries(dashboards: RawDashboard[]): VariableQuery[] {
  return dashboards.flatMap((d) =>
    d.templating.list
      .filter((v) => v.datasource?.uid === 'prometheus')
      .map((v) => ({
        dashboard: d.uid,
        name: v.name,
        query: typeof v.query === 'string' ? v.query : (v.query?.query ?? ''),
      })),
  );
}

/** Grafana's regex formatting of a multi-value variable set to "All": `(a|b|c)`, escaped. */
function allValue(values: readonly string[]): string {
  const escaped = values.map((v) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&'));
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
}

/** What Grafana substitutes before a query leaves it. */
function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(
    /\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g,
    (match, braced?: string, bare?: string) => {
      const name = (braced ?? bare) as string;
      const value = values[name];
      if (value === undefined) throw new Error(`no value for ${match} in ${expr}`);
      return value;
    },
  );
}

/** What one target gave: series, and for exemplar targets exemplars and those with a trace id. */
interface Evaluation {
  error?: string;
  series: number;
  exemplars?: number;
  linked?: number;
}

interface PromResponse {
  status: string;
  error?: string;
  data?: { resultType?: string; result?: unknown[] } | unknown[];
}

const dashboards = readDashboards();

interface ProvisionedDatasource {
  uid: string;
  jsonData?: {
    exemplarTraceIdDestinations?: { name: string }[];
    tracesToMetrics?: { queries: { name: string; query: string }[] };
  };
}
/** The provisioned datasources as Grafana sees them after its environment expansion (`$$` → `$`). */
const datasources = (
  parse(
    readFileSync(
      join(repoRoot, 'grafana', 'provisioning', 'datasources', 'datasources.yml'),
      'utf8',
    ).replace(/\$\$/g, '$'),
  ) as { datasources: ProvisionedDatasource[] }
).datasources;
const datasource = (uid: string) => datasources.find((d) => d.uid === uid)?.jsonData;

/** The PromQL of the Jaeger datasource's trace-to-metrics links; Grafana fills `$__tags` from the span. */
const traceToMetricsTargets: PanelTarget[] = (
  datasource('jaeger')?.tracesToMetrics?.queries ?? []
).map((q) => ({
  key: `datasource jaeger / tracesToMetrics / ${q.name}`,
  dashboard: 'provisioning',
  panel: q.name,
  refId: q.name,
  expr: q.query,
  instant: true,
  exemplar: false,
}));

const targets = [...promTargets(dashboards), ...traceToMetricsTargets];

/** The exemplar label the Prometheus datasource links to Jaeger (exemplarTraceIdDestinations). */
const exemplarLabel = datasource('prometheus')?.exemplarTraceIdDestinations?.[0]?.name ?? 'none';
const variables = variableQueries(dashboards);

const prometheusExecutable = requireEngine('prometheus', ['/usr/bin']);

/** The Collector, built into the engine cache (infra/engines/build-collector.sh). */
function collectorExecutable(): string | undefined {
  const engine = locateEngine('otelcol', repoRoot);
  if (engine.executable) return engine.executable;
  const reason = `${engine.name} ${engine.version} is not built in ${engine.dir} (npm run backends -- --build)`;
  if (process.env['CI']) throw new Error(`required test engine missing in CI: ${reason}`);
  process.stderr.write(`\n*** span-metric panels are NOT checked: ${reason} ***\n\n`);
  return undefined;
}

describe.skipIf(!prometheusExecutable)(
  'every dashboard query runs against a real Prometheus',
  () => {
    let workDir = '';
    const collectorBin = collectorExecutable();
    let mesh: RunningMesh | undefined;
    let collector: EngineProcess | undefined;
    let prometheus: RunningBackend | undefined;
    let promUrl = '';
    let rangeStart = 0;
    const values: Record<string, string> = {};
    const results = new Map<string, Evaluation>();
    const variableValues = new Map<string, string[]>();
    const startedAt = Date.now();

    async function api(path: string, params: Record<string, string>): Promise<PromResponse> {
      const response = await fetch(`${promUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
      });
      return (await response.json()) as PromResponse;
    }

    async function evaluate(target: PanelTarget): Promise<Evaluation> {
      const end = Date.now() / 1000;
      const expr = substitute(target.expr, values);
      const body = target.instant
        ? await api('/api/v1/query', { query: expr, time: String(end) })
        : await api('/api/v1/query_range', {
            query: expr,
            start: String(rangeStart),
            end: String(end),
            step: '5',
          });
      if (body.status !== 'success')
        return { error: `${body.error ?? body.status}: ${expr}`, series: 0 };
      const result = (body.data as { result: unknown[] }).result;
      if (!target.exemplar) return { series: result.length };
      const exemplars = await api('/api/v1/query_exemplars', {
        query: expr,
        start: String(rangeStart),
        end: String(end),
      });
      const found = (
        (exemplars.data as { exemplars: { labels: Record<string, string> }[] }[] | undefined) ?? []
      ).flatMap((series) => series.exemplars);
      // The label the Prometheus datasource turns into a Jaeger link must hold a W3C trace id.
      const linked = found.filter((e) => /^[0-9a-f]{32}$/.test(e.labels[exemplarLabel] ?? ''));
      return { series: result.length, exemplars: found.length, linked: linked.length };
    }

    /** label_values(selector, label) as Grafana asks it: the label's values on matching series. */
    async function labelValues(query: string): Promise<string[]> {
      const match = /^label_values\((.*),\s*(\w+)\)$/.exec(query);
      if (!match) throw new Error(`not a label_values query: ${query}`);
      const selector = substitute(match[1] as string, values);
      const response = await fetch(
        `${promUrl}/api/v1/label/${match[2]}/values?${new URLSearchParams({ 'match[]': selector, start: String(rangeStart) })}`,
      );
      const body = (await response.json()) as PromResponse;
      if (body.status !== 'success') throw new Error(`${body.error}: ${query}`);
      return body.data as string[];
    }

    function required(target: PanelTarget): boolean {
      if (ALLOWLIST[target.key]) return false;
      return collectorBin !== undefined || !needsCollector(target.expr);
    }

    beforeAll(async () => {
      workDir = mkdtempSync(join(tmpdir(), 'mesh-dashboards-'));
      const promPort = await freePort();
      promUrl = `http://127.0.0.1:${promPort}`;

      let spanMetrics: string | undefined;
      const args: string[] = [];
      if (collectorBin) {
        // Every port of the plan free, whatever the plan holds; nothing listens on Jaeger's: the
        // Collector's trace export to it fails quietly, which does not touch the span metrics
        // (another pipeline of the same spans).
        const ports = Object.fromEntries(
          await Promise.all(
            Object.keys(DEFAULT_BACKEND_PORTS).map(
              async (name) => [name, await freePort()] as const,
            ),
          ),
        ) as unknown as BackendPorts;
        collector = await startCollector({
          repoRoot,
          executable: collectorBin,
          ports,
          runDir: workDir,
        });
        spanMetrics = `127.0.0.1:${ports.collectorSpanMetrics}`;
        args.push('--otlp', `http://127.0.0.1:${ports.collectorOtlpHttp}`);
      }

      mesh = await startMesh({
        args,
        env: {
          // Every steady request carries this key: its own bucket, big enough; the burst below
          // comes without a key and is limited by address.
          RATE_LIMIT_API_KEYS: 'dashboards-steady',
          RATE_LIMIT_RPS: '40',
          RATE_LIMIT_BURST: '40',
          // A small retry budget, so that the fault below exhausts it.
          USER_SERVICE_RETRY_BUDGET_RATIO: '0.05',
          USER_SERVICE_RETRY_BUDGET_MIN_PER_SECOND: '1',
          // The gateway guards order-service with the adaptive throttle instead of the breaker,
          // so the throttle panel has data too (the breaker panels keep → user-service).
          ORDER_SERVICE_BREAKER: 'adaptive-throttle',
          // Spans leave each service within a second instead of five.
          OTEL_BSP_SCHEDULE_DELAY: '1000',
        },
      });

      const scrape = meshScrapeTargets(mesh.instances);
      const jobs = Object.fromEntries(
        prometheusJobs(prometheusConfigFile).map((job) => [
          job,
          [] as (string | { target: string })[],
        ]),
      );
      Object.assign(jobs, scrape, {
        'otel-collector': spanMetrics ? [spanMetrics] : [],
        prometheus: [`127.0.0.1:${promPort}`],
      });
      prometheus = await startPrometheus({
        config: derivePrometheusConfig({ configFile: prometheusConfigFile, targets: jobs }),
        port: promPort,
        executable: prometheusExecutable as string,
        workDir: join(workDir, 'prometheus'),
      });
      rangeStart = Date.now() / 1000;

      await driveTraffic(mesh);

      values['__rate_interval'] = '1m';
      values['__interval'] = '5s';
      // What tracesToMetrics makes of a gateway span (tag service.name → label service_name).
      values['__tags'] = 'service_name="gateway"';
      for (const name of ['service', 'instance']) {
        const variable = variables.find((v) => v.name === name);
        if (!variable) throw new Error(`no ${name} variable`);
        // Chained variables: instance's query uses $service, resolved first.
        const found = await labelValues(variable.query);
        variableValues.set(name, found);
        values[name] = allValue(found);
      }

      // Scrapes every 5 s, span metrics flushed every 15 s, rules every 5 s: ask until everything
      // required has data, within a bound.
      const deadline = Date.now() + 60_000;
      for (;;) {
        values['__range'] = `${Math.ceil(Date.now() / 1000 - rangeStart)}s`;
        for (const target of targets) results.set(target.key, await evaluate(target));
        const missing = targets.filter((t) => required(t) && !hasData(t));
        if (missing.length === 0 || Date.now() > deadline) break;
        await sleep(5000);
      }
    }, 240_000);

    function hasData(target: PanelTarget): boolean {
      const result = results.get(target.key);
      if (!result || result.error || result.series === 0) return false;
      return !(target.exemplar && collectorBin && !result.exemplars);
    }

    afterAll(async () => {
      await mesh?.stop();
      await collector?.stop();
      await prometheus?.stop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      const checked = targets.filter(required).length;
      process.stderr.write(
        `dashboards: ${targets.length} PromQL targets, ${checked} required to return data, ` +
          `${[...results.values()].filter((r) => r.series > 0).length} did, ` +
          `${[...results.values()].reduce((n, r) => n + (r.linked ?? 0), 0)} exemplars with a trace id; ` +
          `${variables.length} variable queries; ` +
          `${otherTargets(dashboards).length} non-Prometheus targets (${otherTargets(dashboards).join('; ')}); ` +
          `${Math.round((Date.now() - startedAt) / 1000)} s\n`,
      );
    });

    it('the service and instance variables list every mesh service and instance', () => {
      expect(variableValues.get('service')?.sort()).toEqual([
        'gateway',
        'order-service',
        'user-service',
      ]);
      expect(variableValues.get('instance')?.sort()).toEqual(
        mesh?.instances.map((i) => i.name).sort(),
      );
    });

    it.each(variables.map((v) => [`${v.dashboard} $${v.name}`, v] as const))(
      'variable %s returns values',
      async (_, variable) => {
        expect((await labelValues(variable.query)).length).toBeGreaterThan(0);
      },
    );

    it.each(targets.map((t) => [t.key, t] as const))('%s parses and returns data', (_, target) => {
      const result = results.get(target.key);
      expect(result?.error, target.expr).toBeUndefined();
      if (!required(target)) return;
      expect(result?.series, `no data: ${substitute(target.expr, values)}`).toBeGreaterThan(0);
      if (target.exemplar && collectorBin) {
        expect(result?.exemplars, `no exemplars: ${target.expr}`).toBeGreaterThan(0);
        expect(result?.linked, `exemplars without a ${exemplarLabel} trace id`).toBe(
          result?.exemplars,
        );
      }
    });
  },
);

/**
 * ~45 s of traffic: steady reads and writes throughout; user-service failing every call (breakers
 * open, retries hit their budget, instances are ejected, order reads fall back), a burst beyond the
 * rate limit, requests with an expired deadline, then user-service slow (latency SLO burns).
 */
async function driveTraffic(mesh: RunningMesh): Promise<void> {
  const key = { 'x-api-key': 'dashboards-steady' };
  const { userId, orderId } = await seed(mesh, 'dashboards-steady');
  let running = true;
  const loops = Array.from({ length: 3 }, async (_, loop) => {
    for (let i = 0; running; i++) {
      const path =
        i % 10 === 9
          ? '/orders'
          : [`/users/${userId}`, `/orders/${orderId}`, '/users?limit=5'][(i + loop) % 3];
      const init: RequestInit =
        path === '/orders'
          ? {
              method: 'POST',
              headers: { ...key, 'content-type': 'application/json' },
              body: JSON.stringify({
                userId,
                items: [{ sku: 'DASH-1', quantity: 1, unitPrice: 100 }],
              }),
            }
          : { headers: key };
      await fetch(`${mesh.gateway}/api${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      await sleep(40);
    }
  });
  const users = mesh.instances.filter((i) => i.service === 'user-service').map((i) => i.name);
  const chaos = (body: Record<string, unknown>) =>
    Promise.all(users.map((name) => admin(mesh, name, 'POST', '/admin/chaos', body)));

  await sleep(8000);
  // 502, not 503: an injected 503 carries `Retry-After: 1`, which retries honour by not retrying
  // sooner (longer than the back-off cap), so the retry budget would never run out.
  await chaos({ errorRate: 1, errorStatus: 502, durationMs: 12_000 });
  await sleep(4000);
  // Beyond the burst of 40, without an API key: limited by address.
  await Promise.all(
    Array.from({ length: 120 }, () =>
      fetch(`${mesh.gateway}/api/users?limit=1`).then((r) => r.arrayBuffer()),
    ),
  );
  // Less than the 20 ms an attempt needs: refused at once, 504.
  for (let i = 0; i < 5; i++) {
    await fetch(`${mesh.gateway}/api/users/${userId}`, {
      headers: { ...key, 'x-mesh-deadline-ms': '10' },
    }).then((r) => r.arrayBuffer());
  }
  await sleep(10_000);
  await chaos({ latencyMs: 400, durationMs: 8000 });
  await sleep(12_000);
  running = false;
  await Promise.all(loops);
}
