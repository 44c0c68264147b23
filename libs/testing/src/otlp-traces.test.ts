import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startCaptureServer } from './capture-server';
import type { CaptureServer } from './capture-server';
import {
  decodeJsonTraces,
  decodeProtobufTraces,
  decodeTraceRequests,
  SPAN_KIND_CLIENT,
  SPAN_KIND_SERVER,
} from './otlp-traces';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

/** Exports one SERVER span with a remote parent and one CLIENT child through the real exporter. */
async function exportTwoSpans(exporter: SpanExporter): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'order-service',
      'service.instance.id': 'o-1',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('capture-test', '1.2.3');
  const remote = trace.setSpanContext(context.active(), {
    traceId: TRACE_ID,
    spanId: PARENT_SPAN_ID,
    traceFlags: 1,
    isRemote: true,
  });
  const server = tracer.startSpan(
    'GET /orders/:id',
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 200, ok: true },
    },
    remote,
  );
  const client = tracer.startSpan(
    'SELECT orders',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'sqlite', ratio: 0.5, tags: ['a', 'b'] },
    },
    trace.setSpan(remote, server),
  );
  client.end();
  server.end();
  await provider.forceFlush();
  await provider.shutdown();
}

describe('OTLP trace decoding', () => {
  let receiver: CaptureServer | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it.each([
    ['http/protobuf', (url: string) => new OTLPProtoTraceExporter({ url }), decodeProtobufTraces],
    ['http/json', (url: string) => new OTLPJsonTraceExporter({ url }), decodeJsonTraces],
  ] as const)(
    'reads back what the SDK exporter sent over %s: ids as hex, kinds, attributes, resource, scope',
    async (_protocol, exporterFor, decode) => {
      receiver = await startCaptureServer();
      await exportTwoSpans(exporterFor(`${receiver.url}/v1/traces`));
      const spans = receiver.requests.flatMap((request) => decode(request.body));
      expect(spans).toHaveLength(2);
      const server = spans.find((s) => s.kind === SPAN_KIND_SERVER);
      const client = spans.find((s) => s.kind === SPAN_KIND_CLIENT);
      expect(server).toMatchObject({
        name: 'GET /orders/:id',
        traceId: TRACE_ID,
        parentSpanId: PARENT_SPAN_ID,
        scope: 'capture-test',
        resource: { 'service.name': 'order-service', 'service.instance.id': 'o-1' },
        attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 200, ok: true },
      });
      expect(server?.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(client).toMatchObject({
        name: 'SELECT orders',
        traceId: TRACE_ID,
        parentSpanId: server?.spanId,
        attributes: { 'db.system.name': 'sqlite', ratio: 0.5, tags: ['a', 'b'] },
      });
    },
  );

  it('decodes a mixed capture by content type and skips what is not a POST', async () => {
    receiver = await startCaptureServer();
    await exportTwoSpans(new OTLPProtoTraceExporter({ url: `${receiver.url}/v1/traces` }));
    await exportTwoSpans(new OTLPJsonTraceExporter({ url: `${receiver.url}/v1/traces` }));
    await fetch(`${receiver.url}/v1/traces`);
    expect(receiver.requests.map((r) => r.method)).toContain('GET');
    const spans = decodeTraceRequests(receiver.requests);
    expect(spans.map((s) => s.name).sort()).toEqual([
      'GET /orders/:id',
      'GET /orders/:id',
      'SELECT orders',
      'SELECT orders',
    ]);
  });
});
