import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withSqliteSpan } from './sqlite-span';

describe('withSqliteSpan', () => {
  const spans = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  beforeAll(() => provider.register());
  afterEach(() => spans.reset());
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('runs the call in a client span "<operation> <collection>" with the database attributes', async () => {
    const result = await withSqliteSpan(
      { operation: 'SELECT', collection: 'items', attributes: { 'item.id': 'i1' } },
      () => 42,
    );
    expect(result).toBe(42);
    const [span, ...others] = spans.getFinishedSpans();
    expect(others).toEqual([]);
    expect(span?.name).toBe('SELECT items');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toEqual({
      'db.system.name': 'sqlite',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'items',
      'item.id': 'i1',
    });
  });

  it('turns a synchronous throw into a rejection, recorded on the span', async () => {
    const failure = new Error('disk I/O error');
    const call = withSqliteSpan({ operation: 'INSERT', collection: 'items' }, () => {
      throw failure;
    });
    await expect(call).rejects.toBe(failure);
    const [span] = spans.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk I/O error' });
  });
});
