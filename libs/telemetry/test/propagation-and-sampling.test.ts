import { afterEach, describe, expect, it } from 'vitest';
import { decodeProtobufTraces, startCaptureServer } from '@mesh/testing';
import { killLeftoverServices, startService } from './child-service';

afterEach(killLeftoverServices);

const TIMEOUT = { timeout: 60_000 };
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('propagation', () => {
  it('passes W3C traceparent and baggage on to outgoing calls', TIMEOUT, async () => {
    const service = await startService({ OTEL_SERVICE_NAME: 'gateway' });
    const response = await service.get('/relay-headers', {
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
      baggage: 'tenant=acme',
    });
    const seen = (await response.json()) as Record<string, string>;
    await service.stop();
    expect(seen['traceparent']).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(seen['traceparent']).not.toContain('b7ad6b7169203331');
    expect(seen['baggage']).toBe('tenant=acme');
  });
});

describe('sampling', () => {
  it(
    'follows OTEL_TRACES_SAMPLER: always_off exports nothing and flags responses unsampled',
    TIMEOUT,
    async () => {
      const receiver = await startCaptureServer();
      try {
        const service = await startService({
          OTEL_SERVICE_NAME: 'gateway',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_TRACES_SAMPLER: 'always_off',
        });
        const response = await service.get('/orders/1');
        await service.stop();
        expect(response.headers.get('traceresponse')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
        const spans = receiver.requests.flatMap((r) => decodeProtobufTraces(r.body));
        expect(spans).toEqual([]);
      } finally {
        await receiver.close();
      }
    },
  );

  it('by default (parentbased_always_on) honours an unsampled caller', TIMEOUT, async () => {
    const receiver = await startCaptureServer();
    try {
      const service = await startService({
        OTEL_SERVICE_NAME: 'gateway',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      });
      const unsampled = await service.get('/orders/1', {
        traceparent: `00-${TRACE_ID}-b7ad6b7169203331-00`,
      });
      const fresh = await service.get('/orders/2');
      await service.stop();
      expect(unsampled.headers.get('traceresponse')).toMatch(
        new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`),
      );
      expect(fresh.headers.get('traceresponse')).toMatch(/-01$/);
      const spans = receiver.requests.flatMap((r) => decodeProtobufTraces(r.body));
      expect(spans.some((s) => s.traceId === TRACE_ID)).toBe(false);
      expect(spans.some((s) => s.attributes['order.id'] === '2')).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
