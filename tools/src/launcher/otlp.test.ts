import { describe, expect, it } from 'vitest';
import { backendLinks, otlpExportEnv, parseOtlpTarget } from './otlp';

describe('--otlp', () => {
  it('accepts an http(s) base URL and refuses anything else with the reason', () => {
    expect(parseOtlpTarget('http://127.0.0.1:4318')).toMatchObject({ ok: true });
    expect(parseOtlpTarget('https://collector.example:443/')).toMatchObject({ ok: true });
    expect(parseOtlpTarget('localhost:4318')).toEqual({
      ok: false,
      reason: '"localhost:4318" is not http(s): the mesh exports OTLP over HTTP (protobuf)',
    });
    expect(parseOtlpTarget('127.0.0.1:4318')).toMatchObject({ ok: false });
    expect(parseOtlpTarget('not a url')).toEqual({ ok: false, reason: '"not a url" is not a URL' });
    expect(parseOtlpTarget('grpc://127.0.0.1:4317')).toMatchObject({ ok: false });
    expect(parseOtlpTarget('http://127.0.0.1:4318/?x=1')).toMatchObject({ ok: false });
  });

  it('sets the exporter, the protocol and both endpoints, so the flag beats a stray OTEL_* of the shell', () => {
    const expected = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    };
    expect(otlpExportEnv(new URL('http://127.0.0.1:4318'))).toEqual(expected);
    expect(otlpExportEnv(new URL('http://127.0.0.1:4318/'))).toEqual(expected);
    expect(otlpExportEnv(new URL('http://127.0.0.1:4318/v1/traces'))).toEqual(expected);
  });

  it('links the Jaeger and Prometheus of the npm run backends the receiver port belongs to', () => {
    expect(backendLinks(new URL('http://127.0.0.1:4318'))).toEqual({
      jaeger: 'http://127.0.0.1:16686',
      prometheus: 'http://127.0.0.1:9090',
      guessed: false,
    });
    // Collector of `npm run backends -- --port-offset 100`
    expect(backendLinks(new URL('http://localhost:4418'))).toMatchObject({
      jaeger: 'http://localhost:16786',
      prometheus: 'http://localhost:9190',
    });
    // straight to Jaeger's own OTLP/HTTP port of offset 5
    expect(backendLinks(new URL('http://127.0.0.1:14323')).jaeger).toBe('http://127.0.0.1:16691');
    // some other receiver: the defaults, said to be a guess
    expect(backendLinks(new URL('http://collector.example:80'))).toEqual({
      jaeger: 'http://127.0.0.1:16686',
      prometheus: 'http://127.0.0.1:9090',
      guessed: true,
    });
  });
});
