import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  Attributes,
  AttributeValue,
  Histogram,
  MeterProvider,
  Span,
} from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
} from './attribute-names';
import { MESH_METER_NAME, METRIC_DB_CLIENT_OPERATION_DURATION } from './metric-names';

/** Duration buckets the database semantic conventions advise for `db.client.operation.duration`. */
const DB_DURATION_BUCKETS_S = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

let histogram: { provider: MeterProvider; instrument: Histogram } | undefined;

/** The metrics API has no proxy: fetch the instrument from whichever provider is current. */
function dbDurationHistogram(): Histogram {
  const provider = metrics.getMeterProvider();
  if (histogram?.provider !== provider) {
    histogram = {
      provider,
      instrument: provider
        .getMeter(MESH_METER_NAME)
        .createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
          description: 'Duration of database client operations.',
          unit: 's',
          advice: { explicitBucketBoundaries: DB_DURATION_BUCKETS_S },
        }),
    };
  }
  return histogram.instrument;
}

/** `error.type` per the semantic conventions: an error code when there is one, else the class. */
export function errorType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code ? code : error.name || error.constructor.name;
  }
  return '_OTHER';
}

/**
 * Runs `fn` inside a new active span named `name` (for storage calls
 * `"<db.operation.name> <db.collection.name>"`, e.g. `"SELECT orders"`) and ends it when `fn`
 * returns or its promise settles. A thrown error or rejection is recorded on the span (status
 * ERROR, `error.type`, exception event) and rethrown.
 *
 * With `db.system.name` among the attributes (see attribute-names.ts: `db.operation.name`,
 * `db.collection.name`, `db.query.text`) the span is a CLIENT span, as the database semantic
 * conventions want, and the call is also recorded in the `db.client.operation.duration`
 * histogram (seconds) by system, operation, collection and error type.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  const isDatabaseCall = attributes[ATTR_DB_SYSTEM_NAME] !== undefined;
  const tracer = trace.getTracer(MESH_METER_NAME);
  const kind = isDatabaseCall ? SpanKind.CLIENT : SpanKind.INTERNAL;
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => {
    const started = performance.now();
    const finish = (error?: unknown) => {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
      }
      span.end();
      if (isDatabaseCall) recordDbDuration(attributes, started, error);
    };
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      finish(error);
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          finish();
          return value;
        },
        (error: unknown) => {
          finish(error);
          throw error;
        },
      ) as T;
    }
    finish();
    return result;
  });
}

function recordDbDuration(attributes: Attributes, started: number, error: unknown): void {
  const metricAttributes: Record<string, AttributeValue> = {};
  for (const key of [ATTR_DB_SYSTEM_NAME, ATTR_DB_OPERATION_NAME, ATTR_DB_COLLECTION_NAME]) {
    const value = attributes[key];
    if (value !== undefined) metricAttributes[key] = value;
  }
  if (error !== undefined) metricAttributes[ATTR_ERROR_TYPE] = errorType(error);
  dbDurationHistogram().record((performance.now() - started) / 1000, metricAttributes);
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
