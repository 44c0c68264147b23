import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installInMemoryTelemetry } from '../test/in-memory-telemetry';
import type { InMemoryTelemetry } from '../test/in-memory-telemetry';
import {
  activeSpanId,
  activeTraceId,
  setRequestAttributes,
  setSpanAttributes,
  traceResponseHeader,
} from './trace-context';

let telemetry: InMemoryTelemetry;
beforeAll(() => {
  telemetry = installInMemoryTelemetry();
});
afterAll(() => telemetry.uninstall());

const tracer = () => trace.getTracer('test');

/** Runs `fn` the way an instrumented request runs: server span + RPC metadata, then a middleware span. */
function inRequest<T>(fn: () => T): { result: T; serverSpanId: string; traceId: string } {
  const server = tracer().startSpan('GET /orders/:id');
  const ctx = setRPCMetadata(trace.setSpan(ROOT_CONTEXT, server), {
    type: RPCType.HTTP,
    span: server,
  });
  const result = context.with(ctx, () =>
    tracer().startActiveSpan('middleware - requestId', (middleware) => {
      try {
        return fn();
      } finally {
        middleware.end();
      }
    }),
  );
  server.end();
  const { spanId, traceId } = server.spanContext();
  return { result, serverSpanId: spanId, traceId };
}

describe('traceResponseHeader', () => {
  it('names the server span of the request even while a middleware span is active', () => {
    const { result, serverSpanId, traceId } = inRequest(() => traceResponseHeader());
    expect(result).toBe(`00-${traceId}-${serverSpanId}-01`);
  });

  it('outside a request uses the active span', () => {
    const header = tracer().startActiveSpan('job', (span) => {
      span.end();
      return { header: traceResponseHeader(), context: span.spanContext() };
    });
    expect(header.header).toBe(`00-${header.context.traceId}-${header.context.spanId}-01`);
  });

  it('carries the flags of an unsampled span', () => {
    const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    // the default sampler (parent-based) does not sample the child of an unsampled parent
    const header = context.with(remoteParent, () =>
      tracer().startActiveSpan('child', (span) => {
        span.end();
        return traceResponseHeader();
      }),
    );
    expect(header).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(header).not.toContain('b7ad6b7169203331');
  });

  it('is undefined without a span, and for a remote span context (the id would be the caller’s)', () => {
    expect(traceResponseHeader()).toBeUndefined();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(context.with(remote, () => traceResponseHeader())).toBeUndefined();
  });
});

describe('activeTraceId / activeSpanId', () => {
  it('give the ids of the active span', () => {
    const seen = tracer().startActiveSpan('x', (span) => {
      span.end();
      return { traceId: activeTraceId(), spanId: activeSpanId(), context: span.spanContext() };
    });
    expect(seen.traceId).toBe(seen.context.traceId);
    expect(seen.spanId).toBe(seen.context.spanId);
    expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('are undefined without a span', () => {
    expect(activeTraceId()).toBeUndefined();
    expect(activeSpanId()).toBeUndefined();
  });
});

describe('setSpanAttributes / setRequestAttributes', () => {
  it('put attributes on the active span and on the request’s server span', () => {
    telemetry.spans.reset();
    inRequest(() => {
      setSpanAttributes({ 'mesh.upstream': 'user-service' });
      setRequestAttributes({ 'order.id': 'o-1' });
    });
    const [middleware, server] = telemetry.spans.getFinishedSpans();
    expect(middleware?.attributes).toEqual({ 'mesh.upstream': 'user-service' });
    expect(server?.attributes).toEqual({ 'order.id': 'o-1' });
  });

  it('do nothing without a span', () => {
    expect(() => setSpanAttributes({ a: 1 })).not.toThrow();
    expect(() => setRequestAttributes({ a: 1 })).not.toThrow();
  });
});
