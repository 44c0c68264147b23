import {
  parsePrometheusText,
  promtoolCheckMetrics,
  requireEngine,
  selectSamples,
} from '@mesh/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftoverServices, startService } from './child-service';

afterEach(killLeftoverServices);

const TIMEOUT = { timeout: 60_000 };

/** promtool, the Prometheus project's own checker: a loud skip on a laptop without it, a failure in CI. */
const PROMTOOL = requireEngine('promtool');

describe('GET /metrics of a service started with the preload', () => {
  it(
    'is Prometheus text with the HTTP server and client histograms and the runtime metrics',
    TIMEOUT,
    async () => {
      // the package export, as `node --require @mesh/telemetry/register` resolves it
      const service = await startService(
        { OTEL_SERVICE_NAME: 'order-service' },
        { preload: '@mesh/telemetry/register' },
      );
      for (const path of ['/orders/1', '/orders/2', '/call/3', '/call-http/4']) {
        const response = await service.get(path);
        expect(response.status).toBe(200);
        // no exporter is configured, yet requests get trace ids
        if (path.startsWith('/orders/')) {
          expect(response.headers.get('traceresponse')).toMatch(
            /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/,
          );
        }
      }
      // event-loop delay needs a few samples of its 10 ms monitor before it is reported
      let text = await service.scrape();
      for (let i = 0; i < 100 && !text.includes('nodejs_eventloop_delay_p99_seconds'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        text = await service.scrape();
      }
      const { stderr } = await service.stop();
      expect(stderr).toBe('');

      const exposition = parsePrometheusText(text);
      expect(exposition.types.get('http_server_request_duration_seconds')).toBe('histogram');
      const route = { http_request_method: 'GET', http_route: '/orders/:id' };
      const [count] = selectSamples(exposition, 'http_server_request_duration_seconds_count', {
        ...route,
        http_response_status_code: '200',
      });
      // two direct requests and the two /call… made back into the service
      expect(count?.value).toBe(4);
      expect(
        selectSamples(exposition, 'http_server_request_duration_seconds_bucket', route).some(
          (s) => s.labels['le'] === '+Inf',
        ),
      ).toBe(true);
      expect(
        selectSamples(exposition, 'http_server_request_duration_seconds_count', {
          http_route: '/call/:id',
        }),
      ).toHaveLength(1);

      expect(exposition.types.get('http_client_request_duration_seconds')).toBe('histogram');
      // fetch (undici) and node:http both record it: one family, a series per scope
      const clients = selectSamples(exposition, 'http_client_request_duration_seconds_count', {
        http_request_method: 'GET',
        http_response_status_code: '200',
      });
      expect(clients.map((s) => [s.labels['otel_scope_name'], s.value]).sort()).toEqual([
        ['@opentelemetry/instrumentation-http', 1],
        ['@opentelemetry/instrumentation-undici', 1],
      ]);

      for (const [name, type] of [
        ['process_cpu_time_seconds_total', 'counter'],
        ['process_memory_usage_bytes', 'gauge'],
        ['nodejs_eventloop_utilization_ratio', 'gauge'],
        ['nodejs_eventloop_delay_p99_seconds', 'gauge'],
        ['v8js_memory_heap_used_bytes', 'gauge'],
      ] as const) {
        expect(exposition.types.get(name), name).toBe(type);
        expect(selectSamples(exposition, name).length, name).toBeGreaterThan(0);
      }
      const [target] = selectSamples(exposition, 'target_info');
      expect(target?.labels['service_name']).toBe('order-service');
      expect(target?.labels['service_instance_id']).toBe(service.ready.identity.instanceId);

      if (PROMTOOL) {
        const check = promtoolCheckMetrics(PROMTOOL, text);
        // parsed, and no lint findings (naming, units, counters ending in _total)
        expect(check.ok, check.output).toBe(true);
      }
    },
  );
});
