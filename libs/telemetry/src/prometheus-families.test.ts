import { parsePrometheusText } from '@mesh/testing';
import { ValueType } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { mergeFamilies } from './prometheus-families';
import { OnDemandReader } from '../test/in-memory-telemetry';

async function collectFrom(record: (provider: MeterProvider) => void) {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 't' }),
  });
  record(provider);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('mergeFamilies', () => {
  it('writes an instrument two scopes share as one family, each series keeping its scope label', async () => {
    const collected = await collectFrom((provider) => {
      provider
        .getMeter('@opentelemetry/instrumentation-http', '0.1')
        .createHistogram('http.client.request.duration', { unit: 's' })
        .record(0.1, { 'http.request.method': 'GET' });
      provider
        .getMeter('@opentelemetry/instrumentation-undici')
        .createHistogram('http.client.request.duration', { unit: 's' })
        .record(0.2, { 'http.request.method': 'GET' });
    });
    const { resourceMetrics, conflicts } = mergeFamilies(collected);
    expect(conflicts).toEqual([]);
    const text = new PrometheusSerializer(undefined, false, undefined, true, true).serialize(
      resourceMetrics,
    );
    expect(text.match(/^# TYPE http_client_request_duration histogram$/gm)).toHaveLength(1);
    const counts = parsePrometheusText(text).samples.filter(
      (s) => s.name === 'http_client_request_duration_count',
    );
    expect(
      counts.map((s) => [s.labels['otel_scope_name'], s.labels['otel_scope_version']]),
    ).toEqual([
      ['@opentelemetry/instrumentation-http', '0.1'],
      ['@opentelemetry/instrumentation-undici', undefined],
    ]);
  });

  it('keeps the first kind when two scopes disagree on an instrument, and names the conflict', async () => {
    const collected = await collectFrom((provider) => {
      provider.getMeter('a').createCounter('jobs', { valueType: ValueType.INT }).add(1);
      provider.getMeter('b').createHistogram('jobs').record(1);
    });
    const { resourceMetrics, conflicts } = mergeFamilies(collected);
    expect(conflicts).toEqual(['jobs']);
    expect(resourceMetrics.scopeMetrics[0]?.metrics).toHaveLength(1);
  });
});
