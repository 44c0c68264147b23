import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Static checks of the Grafana provisioning and dashboards (docs/dashboards.md). That every PromQL
// target returns data is e2e/test/dashboards.test.ts; here: what can be known from the files alone.

const repoRoot = resolve(__dirname, '..', '..');
const grafanaDir = join(repoRoot, 'grafana');
const datasourcesFile = join(grafanaDir, 'provisioning', 'datasources', 'datasources.yml');
const dashboardsProviderFile = join(grafanaDir, 'provisioning', 'dashboards', 'dashboards.yml');
const dashboardsDir = join(grafanaDir, 'dashboards');

/**
 * The uid of every dashboard, by file. Links, bookmarks and alert annotations use these: changing one
 * breaks them, so a change must be made here on purpose.
 */
const STABLE_UIDS: Record<string, string> = {
  'mesh-overview.json': 'mesh-overview',
  'resilience.json': 'mesh-resilience',
  'nodejs-runtime.json': 'mesh-nodejs-runtime',
  'traces-and-logs.json': 'mesh-traces-and-logs',
};

/** Panel types that draw numbers and therefore need a unit. */
const GRAPH_TYPES = new Set([
  'timeseries',
  'stat',
  'gauge',
  'bargauge',
  'barchart',
  'table',
  'heatmap',
  'state-timeline',
  'status-history',
  'histogram',
]);

/** Variables Grafana defines itself. */
const BUILTIN_VARIABLES = new Set([
  '__rate_interval',
  '__interval',
  '__interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
  '__from',
  '__to',
  '__all',
  '__dashboard',
  '__org',
  '__user',
]);

interface DataSourceRef {
  type?: string;
  uid?: string;
}
interface Target {
  refId: string;
  datasource?: DataSourceRef;
  expr?: string;
  query?: string;
  [key: string]: unknown;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: DataSourceRef;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}
interface Variable {
  name: string;
  type: string;
  datasource?: DataSourceRef;
  definition?: string;
  query?: string | { query?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}
interface ProvisionedDataSource {
  name: string;
  type: string;
  uid: string;
  url: string;
  jsonData?: Record<string, unknown>;
}

function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(dashboardsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard,
    }));
}

/** Every panel, rows' nested panels included. */
function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every `datasource: { uid }` anywhere in a JSON value, with where it was found. */
function datasourceRefs(value: unknown, path = ''): { path: string; uid: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => datasourceRefs(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const refs: { path: string; uid: string }[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'datasource' && child && typeof child === 'object' && 'uid' in child) {
      refs.push({ path: `${path}.datasource`, uid: String((child as DataSourceRef).uid) });
    } else {
      refs.push(...datasourceRefs(child, `${path}.${key}`));
    }
  }
  return refs;
}

function variableQuery(variable: Variable): string {
  return typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
}

/** Names of the variables a query uses: `$name`, `${name}`, `${name:format}`. */
function usedVariables(text: string): string[] {
  return [...text.matchAll(/\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Grafana's expansion of environment variables in provisioning files: `$$` is a literal `$`. */
function expandLikeGrafana(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    if (match === '$$') return '$';
    return env[(braced ?? bare) as string] ?? '';
  });
}

const datasourcesText = readFileSync(datasourcesFile, 'utf8');
const datasources = (parse(datasourcesText) as { datasources: ProvisionedDataSource[] })
  .datasources;
const expandedDatasources = (
  parse(expandLikeGrafana(datasourcesText)) as { datasources: ProvisionedDataSource[] }
).datasources;
const byUid = new Map(datasources.map((d) => [d.uid, d]));
const expandedByUid = new Map(expandedDatasources.map((d) => [d.uid, d]));
const dashboards = loadDashboards();

describe('Grafana datasource provisioning', () => {
  it('provisions Prometheus, Jaeger and Elasticsearch with fixed, unique uids at the compose service addresses', () => {
    expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);
    expect(
      datasources
        .map(({ uid, type, url }) => ({ uid, type, url }))
        .sort((a, b) => a.uid.localeCompare(b.uid)),
    ).toEqual([
      { uid: 'elasticsearch', type: 'elasticsearch', url: 'http://elasticsearch:9200' },
      { uid: 'jaeger', type: 'jaeger', url: 'http://jaeger:16686' },
      { uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' },
    ]);
  });

  it("keeps every literal $ as $$, so that Grafana's environment expansion leaves its own ${…} alone", () => {
    const withoutComments = datasourcesText
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    const single = withoutComments.replace(/\$\$/g, '').match(/\$.{0,20}/g);
    expect(single, 'a single $ is expanded from the environment (to nothing)').toBeNull();
  });

  it('links the datasources in a loop: exemplar → Jaeger → Elasticsearch logs → Jaeger', () => {
    const prometheus = expandedByUid.get('prometheus')?.jsonData ?? {};
    const jaeger = expandedByUid.get('jaeger')?.jsonData ?? {};
    const elasticsearch = expandedByUid.get('elasticsearch')?.jsonData ?? {};

    const exemplars = prometheus['exemplarTraceIdDestinations'] as {
      name: string;
      datasourceUid: string;
    }[];
    // The span_metrics connector puts the trace id of an exemplar in the label trace_id.
    expect(exemplars).toEqual([
      expect.objectContaining({ name: 'trace_id', datasourceUid: 'jaeger' }),
    ]);

    const toLogs = jaeger['tracesToLogsV2'] as {
      datasourceUid: string;
      customQuery: boolean;
      query: string;
    };
    expect(byUid.get(toLogs.datasourceUid)?.type).toBe('elasticsearch');
    expect(toLogs.customQuery).toBe(true);
    // After expansion Grafana must see its own trace-id variable in a query on the ECS field.
    expect(toLogs.query).toBe('trace.id:"${__trace.traceId}"');

    const toMetrics = jaeger['tracesToMetrics'] as {
      datasourceUid: string;
      queries: { query: string }[];
    };
    expect(byUid.get(toMetrics.datasourceUid)?.type).toBe('prometheus');
    for (const { query } of toMetrics.queries) expect(query).toContain('{$__tags}');

    const links = elasticsearch['dataLinks'] as {
      field: string;
      datasourceUid: string;
      url: string;
    }[];
    expect(links).toEqual([
      expect.objectContaining({
        field: 'trace.id',
        datasourceUid: 'jaeger',
        url: '${__value.raw}',
      }),
    ]);
  });

  it('every datasourceUid a datasource names exists', () => {
    const named = [...datasourcesText.matchAll(/datasourceUid:\s*(\S+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const uid of named) expect(byUid.has(uid as string), `datasourceUid ${uid}`).toBe(true);
  });

  it('the Elasticsearch datasource reads the data stream Logstash writes, with the ECS field names', () => {
    const json = byUid.get('elasticsearch')?.jsonData ?? {};
    expect(json).toMatchObject({
      timeField: '@timestamp',
      logMessageField: 'message',
      logLevelField: 'log.level',
    });
    const pipeline = readFileSync(
      join(repoRoot, 'infra', 'elk', 'logstash', 'pipeline', 'mesh.conf'),
      'utf8',
    );
    const setting = (name: string) => pipeline.match(new RegExp(`${name}\\s*=>\\s*"([^"]+)"`))?.[1];
    const dataStream = `${setting('data_stream_type')}-${setting('data_stream_dataset')}-${setting('data_stream_namespace')}`;
    expect(dataStream).toBe('logs-mesh-default');
    const index = String(json['index']);
    expect(
      new RegExp(`^${index.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(
        dataStream,
      ),
    ).toBe(true);
  });

  it('the dashboard provider loads the directory compose mounts the dashboards at', () => {
    const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    const volumes = compose.services['grafana']?.volumes ?? [];
    expect(volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(volumes).toContain('./grafana/dashboards:/var/lib/grafana/dashboards:ro');
    // Each datasource URL names a compose service.
    for (const { url } of datasources) {
      expect(Object.keys(compose.services), url).toContain(new URL(url).hostname);
    }
    const provider = parse(readFileSync(dashboardsProviderFile, 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }),
      }),
    ]);
  });
});

describe('Grafana dashboards', () => {
  it('are the four dashboards, each with its stable uid, unique', () => {
    expect(
      Object.fromEntries(dashboards.map(({ file, dashboard }) => [file, dashboard.uid])),
    ).toEqual(STABLE_UIDS);
  });

  describe.each(dashboards)('$file', ({ dashboard }) => {
    const panels = allPanels(dashboard);
    const variables = dashboard.templating.list;

    it('has the service and instance query variables over label_values on the Prometheus datasource', () => {
      for (const name of ['service', 'instance']) {
        const variable = variables.find((v) => v.name === name);
        expect(variable, `variable ${name}`).toBeDefined();
        expect(variable?.type).toBe('query');
        expect(variable?.datasource?.uid).toBe('prometheus');
        expect(variableQuery(variable as Variable)).toMatch(/^label_values\(.+\)$/);
        expect(variable?.definition).toBe(variableQuery(variable as Variable));
      }
      const instance = variables.find((v) => v.name === 'instance') as Variable;
      // Chained: picking a service narrows the instances.
      expect(variableQuery(instance)).toContain('$service');
    });

    it('gives every panel a description and every graph a unit', () => {
      for (const panel of panels) {
        if (panel.type === 'row') continue;
        expect(panel.description?.length ?? 0, `description of "${panel.title}"`).toBeGreaterThan(
          60,
        );
        if (GRAPH_TYPES.has(panel.type)) {
          expect(panel.fieldConfig?.defaults?.unit, `unit of "${panel.title}"`).toMatch(/\S/);
        }
      }
    });

    it('has unique panel ids and a place on the grid for each panel', () => {
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const panel of panels) expect(panel.gridPos, panel.title).toBeDefined();
    });

    it('uses only provisioned datasource uids', () => {
      const refs = datasourceRefs(dashboard);
      expect(refs.length).toBeGreaterThan(0);
      for (const { path, uid } of refs) {
        if (uid === '-- Grafana --') continue; // the built-in annotations source
        expect(byUid.has(uid), `${path} names datasource ${uid}`).toBe(true);
      }
    });

    it('gives each query a datasource of its own kind, and uses only defined variables', () => {
      const defined = new Set([...variables.map((v) => v.name), ...BUILTIN_VARIABLES]);
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          const uid = target.datasource?.uid ?? panel.datasource?.uid;
          const type = byUid.get(uid ?? '')?.type;
          const text = type === 'prometheus' ? target.expr : target.query;
          expect(text, `query of "${panel.title}" ${target.refId} (${type})`).toMatch(/\S/);
          for (const name of usedVariables(text as string)) {
            expect(defined.has(name), `"${panel.title}" uses $${name}`).toBe(true);
          }
        }
      }
      for (const variable of variables) {
        for (const name of usedVariables(variableQuery(variable))) {
          expect(defined.has(name), `variable ${variable.name} uses $${name}`).toBe(true);
        }
      }
    });

    it('filters Prometheus panels on the variables: no hard-coded instances', () => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (!target.expr) continue;
          expect(target.expr, panel.title).not.toMatch(/instance=~?"[^$]/);
          expect(target.expr, panel.title).not.toMatch(/:\d{2,5}"/);
        }
      }
    });
  });

  it('names only metrics the docs list and recording rules infra/prometheus/rules records', () => {
    // docs write families like nodejs_eventloop_delay_{min,max}_seconds: expand those first.
    const docs = ['telemetry.md', 'resilience.md', 'discovery.md', 'dashboards.md']
      .map((f) => readFileSync(join(repoRoot, 'docs', f), 'utf8'))
      .join('\n')
      .replace(/([\w]*)\{([\w,]+)\}([\w]*)/g, (_, pre: string, alts: string, post: string) =>
        alts
          .split(',')
          .map((alt) => `${pre}${alt}${post}`)
          .join(' '),
      );
    const documented = new Set(docs.match(/\b[a-z][a-z0-9_]*\b/g));
    const rulesDir = join(repoRoot, 'infra', 'prometheus', 'rules');
    const rules = readdirSync(rulesDir)
      .map((f) => readFileSync(join(rulesDir, f), 'utf8'))
      .join('\n');
    const metrics = new Set<string>();
    const recorded = new Set<string>();
    for (const { dashboard } of dashboards) {
      for (const panel of allPanels(dashboard)) {
        for (const target of panel.targets ?? []) {
          const expr = (target.expr ?? '').replace(/"[^"]*"/g, '""');
          for (const m of expr.matchAll(/(?<![\w:])([a-z_]+:[\w:]+)/g))
            recorded.add(m[1] as string);
          for (const m of expr.matchAll(/(?<![\w:])([a-z_]\w*)\{/g)) metrics.add(m[1] as string);
        }
      }
    }
    expect(metrics.size).toBeGreaterThan(20);
    expect(recorded.size).toBeGreaterThan(5);
    for (const name of recorded) {
      expect(rules, `recording rule ${name}`).toMatch(new RegExp(`record: ${name}\\s`));
    }
    for (const name of metrics) {
      if (name === 'up') continue; // Prometheus's own per-target series
      const family = name.replace(/_(bucket|count|sum)$/, '');
      expect(documented.has(family) || documented.has(name), `metric ${name} in docs/`).toBe(true);
    }
  });
});
