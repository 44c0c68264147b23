import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCaptureServer } from '@mesh/testing';
import type { CaptureServer } from '@mesh/testing';
import { killLeftoverServices, startService } from './child-service';

afterEach(killLeftoverServices);

const TIMEOUT = { timeout: 60_000 };

let receiver: CaptureServer | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** A loopback port nothing listens on: connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('OTEL_SDK_DISABLED=true', () => {
  it(
    'exports nothing, yet the service answers and /metrics is valid and empty',
    TIMEOUT,
    async () => {
      receiver = await startCaptureServer();
      const service = await startService({
        OTEL_SDK_DISABLED: 'true',
        OTEL_SERVICE_NAME: 'order-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      });
      expect(service.ready.status).toBe('disabled');
      expect(service.ready.identity.name).toBe('order-service');
      const response = await service.get('/orders/1');
      expect(response.status).toBe(200);
      expect(response.headers.get('traceresponse')).toBeNull();
      expect(((await response.json()) as { traceId: unknown }).traceId).toBeNull();
      const metrics = await service.scrape();
      expect(metrics).toMatch(/^# [^\n]*\n$/);
      const { code, stderr, logs } = await service.stop();
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(receiver.requests).toEqual([]);
      const line = logs.find((l) => l['message'] === 'reading order');
      expect(line?.['service.name']).toBe('order-service');
      expect(line).not.toHaveProperty('trace.id');
    },
  );
});

describe('a trace backend that refuses connections', () => {
  it('costs one warning on stderr, while every request is still answered', TIMEOUT, async () => {
    const port = await refusedPort();
    const service = await startService({
      OTEL_SERVICE_NAME: 'order-service',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      // one export per span, and no retry backoff: many failed exports in a short run
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1',
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    });
    for (let i = 0; i < 10; i++) {
      const response = await service.get(`/orders/${i}`);
      expect(response.status).toBe(200);
      // trace ids still flow although nothing can be exported
      expect(response.headers.get('traceresponse')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    const { code, stderr } = await service.stop();
    expect(code).toBe(0);
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^telemetry: trace export to otlp \\(http/protobuf\\) http://127\\.0\\.0\\.1:${port}/v1/traces failed: .*ECONNREFUSED`,
      ),
    );
  });
});

describe('shutdownTelemetry against a backend that never answers', () => {
  it(
    'gives up at its bound with one warning, and the process exits normally',
    TIMEOUT,
    async () => {
      // accepts connections and never replies, as a hung collector would
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        const service = await startService({
          OTEL_SERVICE_NAME: 'order-service',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          // the export would wait far longer than the shutdown bound below
          OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
          FIXTURE_SHUTDOWN_TIMEOUT_MS: '500',
        });
        expect((await service.get('/orders/1')).status).toBe(200);
        const { code, stderr } = await service.stop();
        expect(code).toBe(0);
        expect(stderr).toBe(
          'telemetry: telemetry shutdown did not finish within 500 ms: unsent spans are dropped\n',
        );
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    },
  );
});
