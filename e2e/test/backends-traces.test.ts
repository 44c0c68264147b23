import { randomBytes } from 'node:crypto';
import { waitFor } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freeBackendOffset,
  getJson,
  isPortFree,
  requireBackendEngines,
  startBackends,
} from '../src/backends';
import type { RunningBackends } from '../src/backends';
import { isAlive, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { seed } from '../src/traffic';

/**
 * The real backends of `npm run backends` (the Collector built with ocb, Jaeger v2 from the Go
 * module proxy, Debian's Prometheus and Alertmanager) on a random port offset, fed by the native
 * mesh of `npm start -- --otlp`. One backends run for the whole file: traces through the
 * Collector, span metrics with exemplars in Prometheus, then traces straight to Jaeger's own OTLP
 * port, then Ctrl-C. See docs/native-backends.md.
 */

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const SERVICES = [
  ['gateway', '/api/orders/:id'],
  ['order-service', '/orders/:id'],
  ['user-service', '/users/:id'],
] as const;

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;

describe.skipIf(!requireBackendEngines())('npm run backends with the native mesh', () => {
  let backends: RunningBackends;
  let mesh: RunningMesh | undefined;
  const jaegerApi = () => `${backends.url('jaegerQuery')}/api`;

  /** Starts a mesh exporting to `otlp` (a user and an order are created later, see `seeded`). */
  function meshSendingTo(otlp: string): Promise<RunningMesh> {
    return startMesh({
      userInstances: 1,
      orderInstances: 1,
      args: ['--otlp', otlp],
      // A short batch delay, so "visible within seconds" measures the pipeline, not the SDK's 5 s.
      env: { OTEL_BSP_SCHEDULE_DELAY: '500' },
    });
  }

  /** A user and an order created through the gateway, once the mesh routes end to end. */
  function seeded(target: RunningMesh) {
    return waitFor(() => seed(target).catch(() => undefined), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'a user and an order created through the gateway',
    });
  }

  /** One GET /api/orders/:id with a client traceparent; resolves with the trace as Jaeger has it. */
  async function traceOneRead(orderId: string) {
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const sent = Date.now();
    const response = await fetch(`${mesh?.gateway}/api/orders/${orderId}`, {
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01` },
    });
    expect(response.status).toBe(200);
    const trace = await waitFor(
      async () => {
        const body = await getJson<{ data: JaegerTrace[] }>(`${jaegerApi()}/traces/${traceId}`);
        const found = body?.data?.[0];
        if (!found) return undefined;
        const served = SERVICES.every(([name]) =>
          found.spans.some(
            (s) =>
              found.processes[s.processID]?.serviceName === name &&
              tag(s, 'span.kind') === 'server',
          ),
        );
        return served ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `trace ${traceId} in Jaeger's API` },
    );
    return { traceId, clientSpanId, trace, visibleAfterMs: Date.now() - sent };
  }

  /**
   * Runs `check` while reading the order every 300 ms. The span_metrics connector attaches
   * exemplars only to the data points that got spans since its last flush, and the exporter shows
   * them until the next flush: a lone request's exemplar is scrapeable for one flush interval,
   * which a 5 s scrape can miss. Steady reads keep one in view, as real traffic does.
   */
  async function whileReading<T>(orderId: string, check: () => Promise<T>): Promise<T> {
    let reading = true;
    const reads = (async () => {
      while (reading) {
        await fetch(`${mesh?.gateway}/api/orders/${orderId}`).then((r) => r.text());
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    try {
      return await check();
    } finally {
      reading = false;
      await reads;
    }
  }

  /** Server spans of the three services, each with its route; every parent present. */
  function expectWholeTrace(trace: JaegerTrace, traceId: string, clientSpanId: string) {
    const service = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName;
    const ids = new Set(trace.spans.map((s) => s.spanID));
    expect(trace.traceID).toBe(traceId);
    for (const [name, route] of SERVICES) {
      const server = trace.spans.filter(
        (s) => service(s) === name && tag(s, 'span.kind') === 'server',
      );
      expect(server.length, `${name} server spans`).toBeGreaterThan(0);
      for (const span of server) expect(tag(span, 'http.route'), `${name} http.route`).toBe(route);
    }
    const gateway = trace.spans.find(
      (s) => service(s) === 'gateway' && tag(s, 'span.kind') === 'server',
    );
    // The gateway's server span is the child of the client's span (not exported: only its id).
    expect(gateway?.references.map((r) => r.spanID)).toEqual([clientSpanId]);
    for (const span of trace.spans) {
      if (span === gateway) continue;
      const parents = span.references.filter((r) => r.refType === 'CHILD_OF');
      expect(parents.length, `${service(span)} ${span.operationName} has a parent`).toBe(1);
      expect(
        ids.has(parents[0]?.spanID ?? ''),
        `parent of ${service(span)} ${span.operationName} is in the trace`,
      ).toBe(true);
    }
  }

  let orderId: string;

  beforeAll(async () => {
    // The mesh first, so the backends' Prometheus can be told where its admin ports are.
    const offset = await freeBackendOffset();
    mesh = await meshSendingTo(`http://127.0.0.1:${4318 + offset}`);
    const meshOffset = Number(new URL(mesh.gateway).port) - 8080;
    backends = await startBackends([
      ...['--port-offset', String(offset), '--mesh-port-offset', String(meshOffset)],
      ...['--user-instances', '1', '--order-instances', '1'],
    ]);
    process.stdout.write(`backends start-to-ready: ${backends.startSeconds.toFixed(1)} s\n`);
    ({ orderId } = await seeded(mesh));
  });
  afterAll(async () => {
    await mesh?.stop();
    await backends?.stop();
  });

  describe('through the Collector', () => {
    it('one GET /api/orders/:id with a client traceparent is one whole trace in Jaeger: server spans of gateway, order-service and user-service with http.route, every parent present', async () => {
      const { traceId, clientSpanId, trace, visibleAfterMs } = await traceOneRead(orderId);
      process.stdout.write(
        `trace via the Collector visible in Jaeger after ${visibleAfterMs} ms\n`,
      );
      expectWholeTrace(trace, traceId, clientSpanId);
    });

    it("the Collector's span metrics reach Prometheus with exemplars, and an exemplar's trace_id opens in Jaeger", async () => {
      const prometheus = `${backends.url('prometheus')}/api/v1`;
      const calls =
        'traces_span_metrics_calls_total{service_name="gateway",span_kind="SPAN_KIND_SERVER",http_route="/api/orders/:id"}';
      const buckets =
        'traces_span_metrics_duration_seconds_bucket{service_name="gateway",span_kind="SPAN_KIND_SERVER",http_route="/api/orders/:id"}';
      let lastAnswer: unknown;
      const { series, exemplar } = await whileReading(orderId, async () => {
        const found = await waitFor(
          async () => {
            const body = await getJson<{ data: { result: { metric: Record<string, string> }[] } }>(
              `${prometheus}/query?query=${encodeURIComponent(calls)}`,
            );
            return body?.data.result.length ? body.data.result : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 1000, what: `${calls} in Prometheus` },
        );
        const exemplars = await waitFor(
          async () => {
            const now = Date.now() / 1000;
            const body = await getJson<{
              data: { exemplars: { labels: Record<string, string> }[] }[];
            }>(
              `${prometheus}/query_exemplars?query=${encodeURIComponent(buckets)}&start=${now - 600}&end=${now}`,
            );
            lastAnswer = body;
            const all = (body?.data ?? []).flatMap((s) => s.exemplars.map((e) => e.labels));
            return all.some((labels) => labels['trace_id']) ? all : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 1000, what: `exemplars of ${buckets}` },
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}; Prometheus answered ${JSON.stringify(lastAnswer)}`);
        });
        return { series: found, exemplar: exemplars[exemplars.length - 1] ?? {} };
      });
      expect(series[0]?.metric).toMatchObject({
        service_name: 'gateway',
        http_route: '/api/orders/:id',
      });
      expect(exemplar['trace_id']).toMatch(/^[0-9a-f]{32}$/);
      expect(exemplar['span_id']).toMatch(/^[0-9a-f]{16}$/);

      const opened = await waitFor(
        async () =>
          (await getJson<{ data: JaegerTrace[] }>(`${jaegerApi()}/traces/${exemplar['trace_id']}`))
            ?.data?.[0],
        { timeoutMs: 15_000, what: `exemplar trace ${exemplar['trace_id']} in Jaeger` },
      );
      // The exemplar names the gateway's server span of that trace.
      const span = opened.spans.find((s) => s.spanID === exemplar['span_id']);
      expect(span && opened.processes[span.processID]?.serviceName).toBe('gateway');
      expect(span && tag(span, 'span.kind')).toBe('server');
      expect(span && tag(span, 'http.route')).toBe('/api/orders/:id');
    });

    it('Prometheus scrapes the mesh and the Collector under the compose job names', async () => {
      const up = await waitFor(
        async () => {
          const body = await getJson<{
            data: { result: { metric: { job: string }; value: [number, string] }[] };
          }>(`${backends.url('prometheus')}/api/v1/query?query=up`);
          const jobs = Object.fromEntries(
            (body?.data.result ?? []).map((r) => [r.metric.job, r.value[1]]),
          );
          return ['gateway', 'user-service', 'order-service', 'otel-collector'].every(
            (job) => jobs[job] === '1',
          )
            ? jobs
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1000, what: 'up == 1 for the mesh and Collector jobs' },
      );
      expect(up).toMatchObject({ gateway: '1', 'otel-collector': '1' });
    });
  });

  describe("straight to Jaeger's own OTLP port", () => {
    it('the same read is one whole trace in Jaeger without the Collector', async () => {
      await mesh?.stop();
      mesh = await meshSendingTo(backends.url('jaegerOtlpHttp'));
      const ids = await seeded(mesh);
      const { traceId, clientSpanId, trace, visibleAfterMs } = await traceOneRead(ids.orderId);
      process.stdout.write(`trace straight to Jaeger visible after ${visibleAfterMs} ms\n`);
      expectWholeTrace(trace, traceId, clientSpanId);
      await mesh.stop();
      mesh = undefined;
    });
  });

  it('Ctrl-C stops every backend and leaves nothing behind: no process, every port free', async () => {
    const pids = Object.values(backends.pids);
    expect(pids.length).toBe(4);
    expect(await backends.stop('SIGINT')).toBe(0);
    expect(backends.output()).toContain('backends: all stopped');
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    const ports = Object.values(backends.ports);
    const free = await Promise.all(ports.map((port) => isPortFree(port)));
    expect(ports.filter((_, i) => !free[i])).toEqual([]);
  });
});
