import { describe, expect, it } from 'vitest';
import { parsePrometheusText, selectSamples } from './prometheus-text';

const EXPOSITION = `# HELP http_server_request_duration_seconds Duration of HTTP server requests.
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route="/orders/:id",le="0.005"} 3
http_server_request_duration_seconds_bucket{http_route="/orders/:id",le="+Inf"} 4
http_server_request_duration_seconds_count{http_route="/orders/:id"} 4
http_server_request_duration_seconds_sum{http_route="/orders/:id"} 0.0125
# TYPE process_memory_usage_bytes gauge
process_memory_usage_bytes 52428800 1700000000000
# a free comment
edge_value{kind="high"} +Inf
edge_value{kind="low"} -Inf
edge_value{kind="none"} NaN
target_info{service_name="order-service",note="say \\"hi\\"\\nback\\\\slash"} 1
`;

describe('parsePrometheusText', () => {
  it('reads types, samples, labels (escapes included), infinities, NaN and timestamps', () => {
    const exposition = parsePrometheusText(EXPOSITION);
    expect(exposition.types.get('http_server_request_duration_seconds')).toBe('histogram');
    expect(exposition.types.get('process_memory_usage_bytes')).toBe('gauge');
    expect(exposition.samples).toHaveLength(9);
    expect(selectSamples(exposition, 'edge_value').map((s) => s.value)).toEqual([
      Infinity,
      -Infinity,
      NaN,
    ]);
    expect(selectSamples(exposition, 'process_memory_usage_bytes')).toEqual([
      { name: 'process_memory_usage_bytes', labels: {}, value: 52428800 },
    ]);
    const [target] = selectSamples(exposition, 'target_info');
    expect(target?.labels).toEqual({
      service_name: 'order-service',
      note: 'say "hi"\nback\\slash',
    });
  });

  it('rejects a malformed sample, bad labels, a bad value and a second TYPE line', () => {
    expect(() => parsePrometheusText('not a sample at all\n')).toThrow(/not a Prometheus sample/);
    expect(() => parsePrometheusText('x{a="1",b=2} 1\n')).toThrow(/bad labels/);
    expect(() => parsePrometheusText('x 1.2.3\n')).toThrow(/bad sample value/);
    expect(() => parsePrometheusText('# TYPE x counter\n# TYPE x counter\n')).toThrow(
      /second TYPE/,
    );
    expect(() => parsePrometheusText('# TYPE x bogus\n')).toThrow(/bad TYPE/);
  });
});

describe('selectSamples', () => {
  it('keeps the samples of one name whose labels include every given label', () => {
    const exposition = parsePrometheusText(EXPOSITION);
    const buckets = selectSamples(exposition, 'http_server_request_duration_seconds_bucket', {
      http_route: '/orders/:id',
    });
    expect(buckets.map((s) => s.labels['le'])).toEqual(['0.005', '+Inf']);
    expect(buckets.map((s) => s.value)).toEqual([3, 4]);
    expect(
      selectSamples(exposition, 'http_server_request_duration_seconds_bucket', {
        http_route: '/users/:id',
      }),
    ).toEqual([]);
  });
});
