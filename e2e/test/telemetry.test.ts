import { randomBytes } from 'node:crypto';
import {
  decodeTraceRequests,
  parsePrometheusText,
  promtoolCheckMetrics,
  requireEngine,
  selectSamples,
  SPAN_KIND_CLIENT,
  SPAN_KIND_SERVER,
  startCaptureServer,
  waitFor,
} from '@mesh/testing';
import type { CaptureServer, ExportedSpan, Exposition } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLog, startMesh } from '../src/mesh';
import type { MeshInstance, RunningMesh } from '../src/mesh';
import { seed } from '../src/traffic';

/**
 * One mesh for the whole file, exporting its spans over OTLP/HTTP (protobuf) to a receiver in
 * this process; a short batch delay so spans arrive within a second of the request.
 */
describe('telemetry across the running mesh (gateway, 2 user-service, 2 order-service)', () => {
  let receiver: CaptureServer;
  let mesh: RunningMesh;
  let userId: string;
  let orderId: string;

  beforeAll(async () => {
    receiver = await startCaptureServer();
    mesh = await startMesh({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    // The launcher says ready once every instance answers /health/ready, but the gateway's and
    // order-service's health checkers may not have seen their upstreams ready yet (their next
    // round comes within HEALTH_INTERVAL_MS): seed once the mesh routes end to end.
    let seedError: unknown;
    const seeded = await waitFor(
      () =>
        seed(mesh).catch((error: unknown) => {
          seedError = error;
          return undefined;
        }),
      {
        timeoutMs: 15_000,
        intervalMs: 250,
        what: 'a user and an order created through the gateway',
      },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last answer: ${String(seedError)}`);
    });
    ({ userId, orderId } = seeded);
  });
  afterAll(async () => {
    await mesh?.stop();
    await receiver?.close();
  });

  const service = (span: ExportedSpan) => span.resource['service.name'];
  const instanceId = (span: ExportedSpan) => span.resource['service.instance.id'] as string;
  const serverSpan = (spans: ExportedSpan[], name: string, route: string) =>
    spans.find(
      (s) =>
        s.kind === SPAN_KIND_SERVER && service(s) === name && s.attributes['http.route'] === route,
    );

  /** Waits until the receiver holds, for `traceId`, a SERVER span of each of the three services. */
  function traceOf(traceId: string): Promise<ExportedSpan[]> {
    return waitFor(
      () => {
        const spans = decodeTraceRequests(receiver.requests).filter((s) => s.traceId === traceId);
        const served = ['gateway', 'order-service', 'user-service'].every((name) =>
          spans.some((s) => s.kind === SPAN_KIND_SERVER && service(s) === name),
        );
        return served ? spans : undefined;
      },
      {
        timeoutMs: 20_000,
        what: `server spans of gateway, order-service and user-service in trace ${traceId}`,
      },
    );
  }

  /** True when `ancestor` is `span` or one of its parents, following parent ids within `spans`. */
  function descendsFrom(
    spans: ExportedSpan[],
    span: ExportedSpan,
    ancestor: ExportedSpan,
  ): boolean {
    let current: ExportedSpan | undefined = span;
    while (current) {
      if (current.spanId === ancestor.spanId) return true;
      const parentId: string | undefined = current.parentSpanId;
      current = spans.find((s) => s.spanId === parentId);
    }
    return false;
  }

  /** The `trace.id` of an ECS log line, written flat (`"trace.id"`) or nested (`trace: { id }`). */
  function logTraceId(line: Record<string, unknown>): unknown {
    return line['trace.id'] ?? (line['trace'] as { id?: unknown } | undefined)?.id;
  }

  /** The access-log line an instance wrote for a request on `route` in trace `traceId`. */
  function accessLine(instance: string, route: string, traceId: string) {
    return readLog(mesh.logsDir, instance).find((line) => {
      const event = line['event'] as { dataset?: string } | undefined;
      const http = line['http'] as { route?: string } | undefined;
      return (
        event?.dataset === 'http.access' && http?.route === route && logTraceId(line) === traceId
      );
    });
  }

  it(
    'follows one GET /api/orders/:id as one trace: parented across every process boundary, ' +
      'with routes, storage spans, traceresponse and the access logs agreeing',
    async () => {
      const response = await fetch(`${mesh.gateway}/api/orders/${orderId}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-degraded')).toBeNull();
      expect(((await response.json()) as { user: { id: string } }).user.id).toBe(userId);
      const traceresponse = response.headers.get('traceresponse') ?? '';
      expect(traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const traceId = traceresponse.split('-')[1] as string;

      const spans = await traceOf(traceId);

      // the only GET of this order anywhere in the mesh, and every hop of it, is in this trace
      const all = decodeTraceRequests(receiver.requests);
      const orderReads = all.filter(
        (s) => s.kind === SPAN_KIND_SERVER && s.attributes['url.path'] === `/orders/${orderId}`,
      );
      expect(orderReads.map((s) => s.traceId)).toEqual([traceId]);

      // server spans carry the route template on each service
      const gateway = serverSpan(spans, 'gateway', '/api/orders/:id');
      const order = serverSpan(spans, 'order-service', '/orders/:id');
      const user = serverSpan(spans, 'user-service', '/users/:id');
      expect(gateway, 'gateway SERVER span with http.route /api/orders/:id').toBeDefined();
      expect(order, 'order-service SERVER span with http.route /orders/:id').toBeDefined();
      expect(user, 'user-service SERVER span with http.route /users/:id').toBeDefined();
      if (!gateway || !order || !user) return;
      expect(
        gateway.parentSpanId,
        'a request without traceparent starts a new trace',
      ).toBeUndefined();
      expect(traceresponse).toBe(`00-${traceId}-${gateway.spanId}-01`);
      for (const span of [gateway, order, user]) {
        expect(span.attributes).toMatchObject({
          'http.request.method': 'GET',
          'http.response.status_code': 200,
        });
      }

      // gateway CLIENT span → order-service SERVER span → order-service CLIENT span → user-service SERVER span
      const byId = (id: string | undefined) => spans.find((s) => s.spanId === id);
      const gatewayCall = byId(order.parentSpanId);
      expect(gatewayCall && service(gatewayCall), 'parent of the order-service server span').toBe(
        'gateway',
      );
      expect(gatewayCall?.kind).toBe(SPAN_KIND_CLIENT);
      expect(gatewayCall && descendsFrom(spans, gatewayCall, gateway)).toBe(true);
      const orderCall = byId(user.parentSpanId);
      expect(orderCall && service(orderCall), 'parent of the user-service server span').toBe(
        'order-service',
      );
      expect(orderCall?.kind).toBe(SPAN_KIND_CLIENT);
      expect(orderCall && descendsFrom(spans, orderCall, order)).toBe(true);

      // each service read its own storage inside its own request
      for (const [name, server, table] of [
        ['order-service', order, 'orders'],
        ['user-service', user, 'users'],
      ] as const) {
        const storage = spans.find(
          (s) =>
            service(s) === name &&
            s.attributes['db.system.name'] !== undefined &&
            descendsFrom(spans, s, server),
        );
        expect(storage, `${name} storage span`).toBeDefined();
        expect(storage?.kind).toBe(SPAN_KIND_CLIENT);
        expect(storage?.attributes).toMatchObject({
          'db.system.name': 'sqlite',
          'db.operation.name': 'SELECT',
          'db.collection.name': table,
        });
      }

      // each hop's access-log line names the same trace
      const hops = [
        [instanceId(gateway), '/api/orders/:id'],
        [instanceId(order), '/orders/:id'],
        [instanceId(user), '/users/:id'],
      ] as const;
      for (const [instance, route] of hops) {
        expect(mesh.instances.map((i) => i.name)).toContain(instance);
        const line = await waitFor(() => accessLine(instance, route, traceId), {
          what: `the access-log line of ${instance} for ${route} in trace ${traceId}`,
        });
        expect(
          line['service.name'] ?? (line['service'] as { name?: unknown } | undefined)?.name,
        ).toBe(mesh.instance(instance).service);
      }
    },
  );

  it('continues an incoming traceparent instead of replacing it, and carries baggage to the last hop', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await fetch(`${mesh.gateway}/api/orders/${orderId}`, {
      headers: {
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        // `http.request.method` is a key instrumentation owns: it must not be copied over
        baggage: 'tenant=acme-e2e,app.plan=gold%20tier,http.request.method=SPOOFED',
      },
    });
    expect(response.status).toBe(200);
    const traceresponse = response.headers.get('traceresponse') ?? '';
    expect(traceresponse.split('-')[1], 'trace id of traceresponse').toBe(traceId);

    const spans = await traceOf(traceId);
    const gateway = serverSpan(spans, 'gateway', '/api/orders/:id');
    expect(gateway?.parentSpanId, 'parent of the gateway server span').toBe(callerSpanId);
    expect(gateway?.spanId).not.toBe(callerSpanId);
    expect(traceresponse).toBe(`00-${traceId}-${gateway?.spanId}-01`);

    for (const [name, route] of [
      ['gateway', '/api/orders/:id'],
      ['order-service', '/orders/:id'],
      ['user-service', '/users/:id'],
    ] as const) {
      const server = serverSpan(spans, name, route);
      expect(server?.attributes, `${name} SERVER span`).toMatchObject({
        tenant: 'acme-e2e',
        'app.plan': 'gold tier',
        'http.request.method': 'GET',
      });
    }
  });

  describe('GET /metrics of every instance', () => {
    const PROMTOOL = requireEngine('promtool');
    const RUNTIME_FAMILIES = [
      ['nodejs_eventloop_delay_p99_seconds', 'gauge'],
      ['nodejs_eventloop_utilization_ratio', 'gauge'],
      ['v8js_memory_heap_used_bytes', 'gauge'],
      ['v8js_gc_duration_seconds', 'histogram'],
      ['process_cpu_time_seconds_total', 'counter'],
      ['process_memory_usage_bytes', 'gauge'],
    ] as const;
    const ROUTES: Record<MeshInstance['service'], string> = {
      gateway: '/api/orders/:id',
      'order-service': '/orders/:id',
      'user-service': '/users/:id',
    };

    async function scrape(
      instance: MeshInstance,
    ): Promise<{ text: string; exposition: Exposition }> {
      const response = await fetch(`${instance.adminUrl}/metrics`);
      expect(response.status, `${instance.name} /metrics`).toBe(200);
      const text = await response.text();
      return { text, exposition: parsePrometheusText(text) };
    }

    it('is valid Prometheus text with the request-duration histogram by route and the runtime metrics', async () => {
      // traffic on a known trace, so the instances that served it are known from the spans
      const response = await fetch(`${mesh.gateway}/api/orders/${orderId}`);
      expect(response.status).toBe(200);
      const traceId = (response.headers.get('traceresponse') ?? '').split('-')[1] as string;
      const served = new Set(
        (await traceOf(traceId)).filter((s) => s.kind === SPAN_KIND_SERVER).map(instanceId),
      );
      expect(served.size).toBe(3);

      expect(mesh.instances).toHaveLength(5);
      for (const instance of mesh.instances) {
        // the event-loop delay gauges and GC histogram appear once their monitors have samples
        const { text, exposition } = await waitFor(
          async () => {
            const scraped = await scrape(instance);
            return RUNTIME_FAMILIES.every(([name]) => scraped.exposition.types.has(name))
              ? scraped
              : undefined;
          },
          { timeoutMs: 20_000, what: `the runtime metric families on ${instance.name}` },
        );

        for (const [name, type] of RUNTIME_FAMILIES) {
          expect(exposition.types.get(name), `${instance.name} ${name}`).toBe(type);
        }
        expect(
          selectSamples(exposition, 'process_cpu_time_seconds_total').some((s) => s.value > 0),
          `${instance.name} process_cpu_time_seconds_total`,
        ).toBe(true);
        expect(selectSamples(exposition, 'process_memory_usage_bytes')[0]?.value).toBeGreaterThan(
          0,
        );
        expect(
          selectSamples(exposition, 'target_info', { service_instance_id: instance.name }),
          `${instance.name} target_info`,
        ).toHaveLength(1);

        if (served.has(instance.name)) {
          expect(exposition.types.get('http_server_request_duration_seconds')).toBe('histogram');
          const [count] = selectSamples(exposition, 'http_server_request_duration_seconds_count', {
            http_request_method: 'GET',
            http_route: ROUTES[instance.service],
            http_response_status_code: '200',
          });
          expect(
            count?.value,
            `${instance.name} requests on ${ROUTES[instance.service]}`,
          ).toBeGreaterThan(0);
        }

        if (PROMTOOL) {
          const verdict = promtoolCheckMetrics(PROMTOOL, text);
          expect(verdict.ok, `promtool check metrics on ${instance.name}:\n${verdict.output}`).toBe(
            true,
          );
        }
      }
    });
  });
});
