/** One place to look at a scenario from: a UI, the exact panel, search or query, and why. */
export interface LookHere {
  ui: 'Grafana' | 'Prometheus' | 'Jaeger' | 'Kibana';
  /** The panel title, search or query, as the UI shows it. */
  what: string;
  url: string;
  /** What it shows during the scenario. */
  why: string;
}

/**
 * A panel of a provisioned dashboard (grafana/dashboards/*.json), opened alone over the last
 * 15 minutes. `uid` and `panelId` are the dashboard's own; tools/src/scenarios/look-here.test.ts
 * checks them against the JSON.
 */
export function grafanaPanel(
  base: string,
  panel: { uid: string; slug: string; panelId: number; title: string },
  why: string,
  vars: Record<string, string> = {},
): LookHere {
  const url = new URL(`/d/${panel.uid}/${panel.slug}`, base);
  url.searchParams.set('orgId', '1');
  url.searchParams.set('from', 'now-15m');
  url.searchParams.set('to', 'now');
  url.searchParams.set('viewPanel', `panel-${panel.panelId}`);
  for (const [name, value] of Object.entries(vars)) url.searchParams.set(`var-${name}`, value);
  return {
    ui: 'Grafana',
    what: `dashboard "${dashboardTitle(panel.uid)}" (uid ${panel.uid}) → panel "${panel.title}"`,
    url: url.toString(),
    why,
  };
}

/** The same query straight in Prometheus (what `npm run backends` gives you without Grafana). */
export function prometheusGraph(base: string, expr: string, why: string): LookHere {
  const url = new URL('/graph', base);
  url.searchParams.set('g0.expr', expr);
  url.searchParams.set('g0.tab', '0');
  url.searchParams.set('g0.range_input', '15m');
  return { ui: 'Prometheus', what: expr, url: url.toString(), why };
}

/** A Jaeger search: one service, span tags (`key=value`), the last 15 minutes. */
export function jaegerSearch(
  base: string,
  service: string,
  tags: Record<string, string>,
  why: string,
): LookHere {
  const url = new URL('/search', base);
  url.searchParams.set('service', service);
  url.searchParams.set('lookback', '15m');
  url.searchParams.set('limit', '20');
  if (Object.keys(tags).length > 0) url.searchParams.set('tags', JSON.stringify(tags));
  const shown = Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return {
    ui: 'Jaeger',
    what: `service ${service}${shown ? `, tags ${shown}` : ''}`,
    url: url.toString(),
    why,
  };
}

/** Kibana Discover on the mesh's data view (`logs-mesh`, infra/elk/kibana/saved-objects.ndjson) with a KQL query. */
export function kibanaDiscover(base: string, kql: string, why: string): LookHere {
  const app =
    `(dataSource:(dataViewId:logs-mesh,type:dataView),` +
    `query:(language:kuery,query:${rison(kql)}))`;
  const url = `${new URL('/app/discover', base).toString()}#/?_g=(time:(from:now-15m,to:now))&_a=${encodeURIComponent(app)}`;
  return { ui: 'Kibana', what: kql, url, why };
}

/** A string in Rison, the notation of Kibana's URL state: quoted, `!` and `'` escaped with `!`. */
function rison(text: string): string {
  return `'${text.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
}

const DASHBOARD_TITLES: Record<string, string> = {
  'mesh-overview': 'Mesh overview',
  'mesh-resilience': 'Resilience',
  'mesh-traces-and-logs': 'Traces and logs',
  'mesh-nodejs-runtime': 'Node.js runtime',
};

function dashboardTitle(uid: string): string {
  return DASHBOARD_TITLES[uid] ?? uid;
}

/** The panels the scenarios point at (uid, id and title as in grafana/dashboards/*.json). */
export const PANELS = {
  breakerState: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 2,
    title: 'Breaker state per upstream',
  },
  callsByOutcome: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 4,
    title: 'Calls by outcome',
  },
  balancerPicks: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 6,
    title: 'Balancer picks per upstream instance',
  },
  retriesVsBudget: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 8,
    title: 'Retries vs retry budget',
  },
  rateLimitDecisions: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 10,
    title: 'Rate-limit decisions at the gateway',
  },
  outlierEjections: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 11,
    title: 'Outlier ejections',
  },
  fallbacks: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 13,
    title: 'Fallbacks (degraded answers)',
  },
  deadlineExpirations: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 15,
    title: 'Deadline expirations',
  },
  answers503504: {
    uid: 'mesh-resilience',
    slug: 'resilience',
    panelId: 16,
    title: 'Answers 503 / 504 by service',
  },
  requestsByService: {
    uid: 'mesh-overview',
    slug: 'mesh-overview',
    panelId: 2,
    title: 'Requests per second by service',
  },
  answersByStatus: {
    uid: 'mesh-overview',
    slug: 'mesh-overview',
    panelId: 9,
    title: 'Answers by status code (selected instances)',
  },
  instancesByState: {
    uid: 'mesh-overview',
    slug: 'mesh-overview',
    panelId: 12,
    title: 'Upstream instances by state (as each caller sees them)',
  },
  instancesTable: { uid: 'mesh-overview', slug: 'mesh-overview', panelId: 11, title: 'Instances' },
  clientSpanLatency: {
    uid: 'mesh-traces-and-logs',
    slug: 'traces-and-logs',
    panelId: 5,
    title: 'Client span latency p99 (calls between services and to the database)',
  },
} as const;
