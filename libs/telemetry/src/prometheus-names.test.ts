import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { describe, expect, it } from 'vitest';
import { nameWithUnit, unitSuffix, withUnitSuffixes } from './prometheus-names';

function metric(
  name: string,
  unit: string,
  kind: 'counter' | 'updown' | 'gauge' | 'histogram',
): MetricData {
  const descriptor = { name, unit, description: '', valueType: ValueType.DOUBLE };
  const base = { aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [] };
  switch (kind) {
    case 'counter':
      return { ...base, descriptor, dataPointType: DataPointType.SUM, isMonotonic: true };
    case 'updown':
      return { ...base, descriptor, dataPointType: DataPointType.SUM, isMonotonic: false };
    case 'gauge':
      return { ...base, descriptor, dataPointType: DataPointType.GAUGE };
    case 'histogram':
      return { ...base, descriptor, dataPointType: DataPointType.HISTOGRAM };
  }
}

describe('unitSuffix', () => {
  it('spells out UCUM units', () => {
    expect(unitSuffix('s', false)).toBe('seconds');
    expect(unitSuffix('ms', false)).toBe('milliseconds');
    expect(unitSuffix('By', false)).toBe('bytes');
    expect(unitSuffix('MiBy', false)).toBe('mebibytes');
  });

  it('turns rates into _per_ and drops annotations', () => {
    expect(unitSuffix('By/s', false)).toBe('bytes_per_second');
    expect(unitSuffix('{request}/s', false)).toBe('per_second');
    expect(unitSuffix('{request}', false)).toBeUndefined();
    expect(unitSuffix('', false)).toBeUndefined();
  });

  it('gives "1" the ratio suffix only on gauges', () => {
    expect(unitSuffix('1', true)).toBe('ratio');
    expect(unitSuffix('1', false)).toBeUndefined();
  });

  it('keeps an unknown unit, made name-safe', () => {
    expect(unitSuffix('widget-x', false)).toBe('widget_x');
  });
});

describe('nameWithUnit', () => {
  it('appends the unit once', () => {
    expect(nameWithUnit(metric('http.server.request.duration', 's', 'histogram'))).toBe(
      'http.server.request.duration_seconds',
    );
    expect(nameWithUnit(metric('queue.wait_seconds', 's', 'histogram'))).toBe('queue.wait_seconds');
    expect(nameWithUnit(metric('nodejs.eventloop.utilization', '1', 'gauge'))).toBe(
      'nodejs.eventloop.utilization_ratio',
    );
    expect(nameWithUnit(metric('mesh.breaker.open', '1', 'updown'))).toBe(
      'mesh.breaker.open_ratio',
    );
  });

  it('fills in the semantic-convention unit an instrumentation left out', () => {
    expect(nameWithUnit(metric('process.memory.usage', '', 'gauge'))).toBe(
      'process.memory.usage_bytes',
    );
    expect(nameWithUnit(metric('process.cpu.utilization', '', 'gauge'))).toBe(
      'process.cpu.utilization_ratio',
    );
  });
});

describe('withUnitSuffixes', () => {
  it('gives the Prometheus names dashboards use, counters ending in _total', () => {
    const collected: ResourceMetrics = {
      resource: resourceFromAttributes({ 'service.name': 'x' }),
      scopeMetrics: [
        {
          scope: { name: 'test' },
          metrics: [
            metric('http.server.request.duration', 's', 'histogram'),
            metric('process.cpu.time', 's', 'counter'),
            metric('process.memory.usage', '', 'gauge'),
          ],
        },
      ],
    };
    const renamed = withUnitSuffixes(collected);
    expect(renamed.scopeMetrics[0]?.metrics[2]?.descriptor.unit).toBe('By');
    // the input is not modified
    expect(collected.scopeMetrics[0]?.metrics[0]?.descriptor.name).toBe(
      'http.server.request.duration',
    );
    const text = new PrometheusSerializer(undefined, undefined, undefined, true).serialize(renamed);
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(text).toContain('# TYPE process_cpu_time_seconds_total counter');
    expect(text).toContain('# TYPE process_memory_usage_bytes gauge');
  });
});
