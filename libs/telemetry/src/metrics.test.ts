import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPrometheusReader,
  meter,
  METRICS_DISABLED_BODY,
  metricsRequestHandler,
  releasePrometheusReader,
} from './metrics';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

let server: Server | undefined;
afterEach(async () => {
  releasePrometheusReader();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function scrape(): Promise<Response> {
  server = createServer(metricsRequestHandler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return fetch(`http://127.0.0.1:${port}/metrics`);
}

describe('metricsRequestHandler', () => {
  it('without a running SDK answers 200 with one comment line of Prometheus text', async () => {
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await response.text();
    expect(body).toBe(METRICS_DISABLED_BODY);
    expect(body.trimEnd().split('\n')).toHaveLength(1);
    expect(body.startsWith('# ')).toBe(true);
  });

  it('serves the reader’s metrics with unit-suffixed names', async () => {
    const provider = new MeterProvider({ readers: [createPrometheusReader()] });
    provider
      .getMeter('test')
      .createHistogram('queue.wait', { unit: 's' })
      .record(0.2, { 'mesh.upstream': 'user-service' });
    const body = await (await scrape()).text();
    expect(body).toContain('# TYPE queue_wait_seconds histogram');
    expect(body).toMatch(/^queue_wait_seconds_count\{mesh_upstream="user-service",.*\} 1$/m);
    await provider.shutdown();
  });
});

describe('meter', () => {
  it('gives a working (no-op) meter when no SDK runs', () => {
    expect(() => meter().createCounter('mesh.test').add(1)).not.toThrow();
    expect(() => meter('other', '1.0.0').createHistogram('x').record(1)).not.toThrow();
  });
});
