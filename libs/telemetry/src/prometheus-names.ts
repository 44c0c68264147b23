import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** UCUM units as the OpenTelemetry → Prometheus compatibility specification spells them out. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** The denominator of a rate unit (`By/s` → `bytes_per_second`). */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const INVALID = /[^a-zA-Z0-9_]+/g;

/**
 * Units the semantic conventions define for instruments whose instrumentation forgets to set
 * one (host-metrics 0.6 creates `process.memory.usage` and `process.cpu.utilization` without).
 */
export const SEMCONV_UNITS: Readonly<Record<string, string>> = {
  'process.memory.usage': 'By',
  'process.cpu.utilization': '1',
};

/**
 * The Prometheus name suffix for an OpenTelemetry unit: `s` → `seconds`, `By` → `bytes`,
 * `1` on a gauge → `ratio`, `By/s` → `bytes_per_second`; annotations such as `{request}` give
 * none.
 */
export function unitSuffix(unit: string, isGauge: boolean): string | undefined {
  const cleaned = unit.replace(/\{[^}]*\}/g, '').trim();
  if (!cleaned) return undefined;
  if (cleaned === '1') return isGauge ? 'ratio' : undefined;
  const [numerator = '', denominator] = cleaned.split('/', 2);
  const parts: string[] = [];
  if (numerator && numerator !== '1') parts.push(UNIT_WORDS[numerator] ?? numerator);
  if (denominator) {
    parts.push('per', PER_UNIT_WORDS[denominator] ?? UNIT_WORDS[denominator] ?? denominator);
  }
  const suffix = parts
    .join('_')
    .replace(INVALID, '_')
    .replace(/^_+|_+$/g, '');
  return suffix || undefined;
}

function effectiveUnit(name: string, unit: string): string {
  return unit || (SEMCONV_UNITS[name] ?? '');
}

function isGauge(metric: MetricData): boolean {
  return (
    metric.dataPointType === DataPointType.GAUGE ||
    (metric.dataPointType === DataPointType.SUM && !metric.isMonotonic)
  );
}

/**
 * The metric name with its unit suffix (once), before the serializer turns dots into
 * underscores and appends `_total` to counters: `http.server.request.duration` in `s` becomes
 * `http_server_request_duration_seconds`, `process.cpu.time` becomes
 * `process_cpu_time_seconds_total`.
 */
export function nameWithUnit(metric: MetricData): string {
  const { name } = metric.descriptor;
  const unit = effectiveUnit(name, metric.descriptor.unit);
  const suffix = unitSuffix(unit, isGauge(metric));
  if (!suffix) return name;
  const normalized = name.replace(/[^a-zA-Z0-9]+/g, '_');
  return normalized.endsWith(`_${suffix}`) ? name : `${name}_${suffix}`;
}

/**
 * A copy of collected metrics whose names carry their unit, as Prometheus naming conventions
 * (and the OpenTelemetry compatibility specification) want; the JS Prometheus exporter only
 * writes the unit in a `# UNIT` comment.
 */
export function withUnitSuffixes(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scopeMetrics) => ({
      ...scopeMetrics,
      metrics: scopeMetrics.metrics.map((metric): MetricData => ({
        ...metric,
        descriptor: {
          ...metric.descriptor,
          name: nameWithUnit(metric),
          unit: effectiveUnit(metric.descriptor.name, metric.descriptor.unit),
        },
      })),
    })),
  };
}
