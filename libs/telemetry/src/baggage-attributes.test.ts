import { context, propagation, trace } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaggageSpanProcessor, isCopiedBaggageKey } from './baggage-attributes';

describe('isCopiedBaggageKey', () => {
  it('copies application keys and refuses the namespaces instrumentation owns', () => {
    expect(isCopiedBaggageKey('tenant')).toBe(true);
    expect(isCopiedBaggageKey('app.tenant')).toBe(true);
    expect(isCopiedBaggageKey('order.id')).toBe(true);
    expect(isCopiedBaggageKey('http.request.method')).toBe(false);
    expect(isCopiedBaggageKey('url.path')).toBe(false);
    expect(isCopiedBaggageKey('service.name')).toBe(false);
    expect(isCopiedBaggageKey('mesh.degraded')).toBe(false);
    expect(isCopiedBaggageKey('db.system.name')).toBe(false);
  });
});

describe('createBaggageSpanProcessor', () => {
  const exporter = new InMemorySpanExporter();
  afterEach(() => exporter.reset());

  /** Starts a span under the context a `baggage` header would give, as an incoming request does. */
  function spanUnderBaggage(header: string, attributes: Record<string, string> = {}) {
    const provider = new BasicTracerProvider({
      spanProcessors: [createBaggageSpanProcessor(), new SimpleSpanProcessor(exporter)],
    });
    const incoming = new W3CBaggagePropagator().extract(
      context.active(),
      { baggage: header },
      { get: (carrier, key) => carrier[key as 'baggage'], keys: (carrier) => Object.keys(carrier) },
    );
    const parent = provider.getTracer('t').startSpan('GET /api/orders/:id', {}, incoming);
    const child = provider
      .getTracer('t')
      .startSpan('GET /users/:id', { attributes }, trace.setSpan(incoming, parent));
    child.end();
    parent.end();
    return exporter.getFinishedSpans();
  }

  it('puts each baggage entry on every span started under it', () => {
    const spans = spanUnderBaggage('tenant=acme,app.plan=gold%20tier');
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.attributes).toMatchObject({ tenant: 'acme', 'app.plan': 'gold tier' });
    }
  });

  it('leaves what instrumentation set alone when a client sends a reserved key', () => {
    const [child] = spanUnderBaggage('tenant=acme,http.request.method=DELETE', {
      'http.request.method': 'GET',
    });
    expect(child?.attributes['http.request.method']).toBe('GET');
    expect(child?.attributes['tenant']).toBe('acme');
  });

  it('adds nothing when the context carries no baggage', () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [createBaggageSpanProcessor(), new SimpleSpanProcessor(exporter)],
    });
    provider.getTracer('t').startSpan('plain', {}, context.active()).end();
    expect(exporter.getFinishedSpans()[0]?.attributes).toEqual({});
    expect(propagation.getBaggage(context.active())).toBeUndefined();
  });
});
