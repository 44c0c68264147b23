import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeJsonTraces,
  decodeProtobufTraces,
  SPAN_KIND_CLIENT,
  SPAN_KIND_SERVER,
  startCaptureServer,
} from '@mesh/testing';
import type { CaptureServer, ExportedSpan } from '@mesh/testing';
import { killLeftoverServices, startService } from './child-service';

afterEach(killLeftoverServices);

const TIMEOUT = { timeout: 60_000 };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
/** The fixture's nearest package.json with a version is the lib's own. */
const FIXTURE_VERSION = (
  JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8')) as { version: string }
).version;

let receiver: CaptureServer | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('OTLP export (the default path: OTLP/HTTP to Jaeger v2 or a Collector)', () => {
  it(
    'sends http/protobuf spans with the service resource; traceresponse, logs and propagation agree',
    TIMEOUT,
    async () => {
      receiver = await startCaptureServer();
      const service = await startService({
        OTEL_SERVICE_NAME: 'order-service',
        OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=order-7,deployment.environment.name=test',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      });
      const response = await service.get('/orders/42', {
        traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
      });
      expect(response.status).toBe(200);
      const traceresponse = response.headers.get('traceresponse');
      const call = await service.get('/call/43');
      expect(call.status).toBe(200);
      await service.scrape();
      const { logs, code } = await service.stop();
      expect(code).toBe(0);

      const posts = receiver.requests.filter((r) => r.method === 'POST');
      expect(posts.length).toBeGreaterThan(0);
      for (const post of posts) {
        expect(post.path).toBe('/v1/traces');
        expect(post.headers['content-type']).toBe('application/x-protobuf');
      }
      const spans = posts.flatMap((post) => decodeProtobufTraces(post.body));

      // the incoming request continued the caller's trace
      const server = spans.find(
        (s) => s.kind === SPAN_KIND_SERVER && s.traceId === TRACE_ID,
      ) as ExportedSpan;
      expect(server).toBeDefined();
      expect(server.name).toBe('GET /orders/:id');
      expect(server.parentSpanId).toBe(PARENT_SPAN_ID);
      expect(server.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.route': '/orders/:id',
        'http.response.status_code': 200,
        'order.id': '42',
      });
      expect(server.resource).toMatchObject({
        'service.name': 'order-service',
        'service.version': FIXTURE_VERSION,
        'service.instance.id': 'order-7',
        'deployment.environment.name': 'test',
      });
      expect(service.ready.identity).toEqual({
        name: 'order-service',
        version: FIXTURE_VERSION,
        instanceId: 'order-7',
        environment: 'test',
      });

      // traceresponse names that server span
      expect(traceresponse).toBe(`00-${TRACE_ID}-${server.spanId}-01`);

      // the log line written in the handler carries the same trace and one of its spans
      const line = logs.find((l) => l['message'] === 'reading order' && l['order.id'] === '42');
      expect(line?.['trace.id']).toBe(TRACE_ID);
      const traceSpanIds = spans.filter((s) => s.traceId === TRACE_ID).map((s) => s.spanId);
      expect(traceSpanIds).toContain(line?.['span.id']);
      expect(line?.['service.instance.id']).toBe('order-7');

      // fetch (undici) made a CLIENT span whose context reached the server span it called
      const client = spans.find(
        (s) => s.kind === SPAN_KIND_CLIENT && s.scope === '@opentelemetry/instrumentation-undici',
      ) as ExportedSpan;
      expect(client).toBeDefined();
      const callee = spans.find(
        (s) => s.kind === SPAN_KIND_SERVER && s.parentSpanId === client.spanId,
      );
      expect(callee?.name).toBe('GET /orders/:id');
      expect(callee?.attributes['order.id']).toBe('43');

      // scrapes are not traced
      expect(spans.filter((s) => s.attributes['url.path'] === '/orders/42')).toHaveLength(1);
      expect(spans.some((s) => s.attributes['url.path'] === '/metrics')).toBe(false);
    },
  );

  it(
    'sends http/json to a traces-specific endpoint when the protocol says so',
    TIMEOUT,
    async () => {
      receiver = await startCaptureServer();
      const service = await startService({
        OTEL_SERVICE_NAME: 'user-service',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      expect((await service.get('/orders/7')).status).toBe(200);
      await service.stop();
      const posts = receiver.requests.filter((r) => r.method === 'POST');
      expect(posts.length).toBeGreaterThan(0);
      expect(posts.every((p) => p.path === '/custom/traces')).toBe(true);
      expect(posts[0]?.headers['content-type']).toBe('application/json');
      const spans = posts.flatMap((post) => decodeJsonTraces(post.body));
      const server = spans.find((s) => s.kind === SPAN_KIND_SERVER);
      expect(server?.name).toBe('GET /orders/:id');
      expect(server?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(server?.resource['service.name']).toBe('user-service');
    },
  );
});

describe('Jaeger exporter (deprecated upstream, kept for the direct-to-Jaeger compose variant)', () => {
  it('posts Thrift over HTTP to /api/traces', TIMEOUT, async () => {
    receiver = await startCaptureServer();
    const service = await startService({
      OTEL_SERVICE_NAME: 'gateway',
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_JAEGER_ENDPOINT: `${receiver.url}/api/traces`,
    });
    expect((await service.get('/orders/9')).status).toBe(200);
    const { stderr } = await service.stop();
    expect(stderr).toBe('');
    const posts = receiver.requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) {
      expect(post.path).toBe('/api/traces');
      expect(post.headers['content-type']).toBe('application/x-thrift');
      expect(post.body.length).toBeGreaterThan(0);
    }
    // Thrift's binary protocol carries strings as raw bytes: the batch names its process and spans
    const body = Buffer.concat(posts.map((p) => p.body)).toString('latin1');
    expect(body).toContain('gateway');
    expect(body).toContain('GET /orders/:id');
  });
});
