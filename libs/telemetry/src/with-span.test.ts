import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installInMemoryTelemetry } from '../test/in-memory-telemetry';
import type { InMemoryTelemetry } from '../test/in-memory-telemetry';
import { errorType, withSpan } from './with-span';

let telemetry: InMemoryTelemetry;
beforeAll(() => {
  telemetry = installInMemoryTelemetry();
});
afterAll(() => telemetry.uninstall());
beforeEach(() => telemetry.spans.reset());

const selectOrder = {
  'db.system.name': 'sqlite',
  'db.operation.name': 'SELECT',
  'db.collection.name': 'orders',
  'db.query.text': 'SELECT * FROM orders WHERE id = ?',
};

async function dbDurations(): Promise<HistogramMetricData | undefined> {
  const collected = await telemetry.collect();
  const found = collected.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((metric) => metric.descriptor.name === 'db.client.operation.duration');
  return found?.dataPointType === DataPointType.HISTOGRAM ? found : undefined;
}

describe('withSpan', () => {
  it('runs a synchronous storage call in a CLIENT span with the database attributes', () => {
    const result = withSpan('SELECT orders', selectOrder, () => ({ id: 'o-1' }));
    expect(result).toEqual({ id: 'o-1' });
    const [span] = telemetry.spans.getFinishedSpans();
    expect(span?.name).toBe('SELECT orders');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toEqual(selectOrder);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('makes its span the active one inside fn, so nested spans are children', () => {
    withSpan('outer', {}, (outer) => {
      expect(trace.getActiveSpan()).toBe(outer);
      withSpan('inner', {}, () => undefined);
    });
    const [inner, outer] = telemetry.spans.getFinishedSpans();
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(outer?.kind).toBe(SpanKind.INTERNAL);
  });

  it('ends the span when a returned promise settles', async () => {
    let release!: (value: string) => void;
    const pending = withSpan('async', {}, () => new Promise<string>((r) => (release = r)));
    expect(telemetry.spans.getFinishedSpans()).toHaveLength(0);
    release('done');
    await expect(pending).resolves.toBe('done');
    expect(telemetry.spans.getFinishedSpans()).toHaveLength(1);
  });

  it('records a thrown error (status, error.type, exception event) and rethrows it', () => {
    const failure = Object.assign(new Error('UNIQUE constraint failed: users.email'), {
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    expect(() =>
      withSpan('INSERT users', { ...selectOrder, 'db.operation.name': 'INSERT' }, () => {
        throw failure;
      }),
    ).toThrow(failure);
    const [span] = telemetry.spans.getFinishedSpans();
    expect(span?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'UNIQUE constraint failed: users.email',
    });
    expect(span?.attributes['error.type']).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(span?.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('records a rejection and passes it on', async () => {
    await expect(
      withSpan('async', {}, () => Promise.reject(new TypeError('bad row'))),
    ).rejects.toThrow('bad row');
    const [span] = telemetry.spans.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('TypeError');
  });

  it('records database calls in db.client.operation.duration by system, operation and collection', async () => {
    const selectItems = { ...selectOrder, 'db.collection.name': 'order_items' };
    withSpan('SELECT order_items', selectItems, () => undefined);
    withSpan('SELECT order_items', selectItems, () => undefined);
    withSpan('not a db call', {}, () => undefined);
    expect(() =>
      withSpan('INSERT order_items', { ...selectItems, 'db.operation.name': 'INSERT' }, () => {
        throw Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' });
      }),
    ).toThrow('locked');
    const histogram = await dbDurations();
    expect(histogram?.descriptor.unit).toBe('s');
    const failed = histogram?.dataPoints.find((p) => p.attributes['error.type'] === 'SQLITE_BUSY');
    expect(failed?.attributes).toMatchObject({
      'db.operation.name': 'INSERT',
      'db.collection.name': 'order_items',
    });
    expect(histogram?.dataPoints.some((p) => p.attributes['db.system.name'] === undefined)).toBe(
      false,
    );
    const point = histogram?.dataPoints.find(
      (p) => p.attributes['db.collection.name'] === 'order_items',
    );
    expect(point?.attributes).toEqual({
      'db.system.name': 'sqlite',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'order_items',
    });
    expect(point?.value.count).toBe(2);
  });
});

describe('errorType', () => {
  it('prefers a string error code, then the error name', () => {
    expect(errorType(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorType(new RangeError('x'))).toBe('RangeError');
    expect(errorType('text')).toBe('_OTHER');
  });
});
