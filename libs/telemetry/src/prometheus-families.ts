import type { Attributes } from '@opentelemetry/api';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Scope identity moved into each series, as the Prometheus exporter would label it. */
const SCOPE_NAME_LABEL = 'otel.scope.name';
const SCOPE_VERSION_LABEL = 'otel.scope.version';
const SCOPE_SCHEMA_URL_LABEL = 'otel.scope.schema_url';

/** What {@link mergeFamilies} returns: the metrics to serialize and the names it had to drop. */
export interface MergedFamilies {
  /** One scope holding every family; serialize it without scope info (the labels are in the points). */
  readonly resourceMetrics: ResourceMetrics;
  /** Names whose instruments disagree on type across scopes: only the first kind is kept. */
  readonly conflicts: readonly string[];
}

function sameKind(a: MetricData, b: MetricData): boolean {
  if (a.dataPointType !== b.dataPointType) return false;
  const monotonic = (m: MetricData) => ('isMonotonic' in m ? m.isMonotonic : undefined);
  return monotonic(a) === monotonic(b) && a.descriptor.unit === b.descriptor.unit;
}

/**
 * Makes each metric name one Prometheus family. Two instrumentation scopes may create the same
 * instrument (http and undici both record `http.client.request.duration`; pg and the mesh's
 * SQLite spans both record `db.client.operation.duration`); the exporter would then write the
 * family twice, and a second `# TYPE` line for a name makes the whole scrape unparseable. Here
 * their points join one family, each still labelled with its `otel_scope_name`.
 */
export function mergeFamilies(resourceMetrics: ResourceMetrics): MergedFamilies {
  const families = new Map<string, MetricData>();
  const conflicts = new Set<string>();
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    const scopeLabels: Attributes = { [SCOPE_NAME_LABEL]: scope.name };
    if (scope.version) scopeLabels[SCOPE_VERSION_LABEL] = scope.version;
    if (scope.schemaUrl) scopeLabels[SCOPE_SCHEMA_URL_LABEL] = scope.schemaUrl;
    for (const metric of metrics) {
      const labelled = {
        ...metric,
        dataPoints: metric.dataPoints.map((point) => ({
          ...point,
          attributes: { ...point.attributes, ...scopeLabels },
        })),
      } as MetricData;
      const name = metric.descriptor.name;
      const family = families.get(name);
      if (!family) {
        families.set(name, labelled);
      } else if (sameKind(family, labelled)) {
        families.set(name, {
          ...family,
          dataPoints: [...family.dataPoints, ...labelled.dataPoints],
        } as MetricData);
      } else {
        conflicts.add(name);
      }
    }
  }
  return {
    resourceMetrics: {
      resource: resourceMetrics.resource,
      scopeMetrics: [{ scope: { name: 'merged' }, metrics: [...families.values()] }],
    },
    conflicts: [...conflicts],
  };
}
