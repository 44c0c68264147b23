import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumSamples } from './prometheus-text';

const exposition = [
  '# HELP http_server_request_duration_seconds Duration of HTTP server requests.',
  '# TYPE http_server_request_duration_seconds histogram',
  'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/api/orders/:id",http_response_status_code="200"} 7',
  'http_server_request_duration_seconds_count{http_request_method="POST",http_route="/api/orders",http_response_status_code="201"} 3 1700000000000',
  'http_server_request_duration_seconds_bucket{le="+Inf",note="a \\"quoted\\", comma"} 10',
  'mesh_up 1',
  'a line this reader cannot read',
].join('\n');

describe('parsePrometheusText', () => {
  it('reads names, labels (escaped quotes and commas too), values and skips comments and junk', () => {
    const samples = parsePrometheusText(exposition);
    expect(samples).toHaveLength(4);
    expect(samples[2]).toEqual({
      name: 'http_server_request_duration_seconds_bucket',
      labels: { le: '+Inf', note: 'a "quoted", comma' },
      value: 10,
    });
    expect(samples[3]).toEqual({ name: 'mesh_up', labels: {}, value: 1 });
  });

  it('sums the samples whose labels include the ones asked for', () => {
    const samples = parsePrometheusText(exposition);
    expect(sumSamples(samples, 'http_server_request_duration_seconds_count')).toBe(10);
    expect(
      sumSamples(samples, 'http_server_request_duration_seconds_count', {
        http_request_method: 'POST',
      }),
    ).toBe(3);
    expect(sumSamples(samples, 'absent')).toBe(0);
  });
});
