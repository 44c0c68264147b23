import { backendOffsetOf, backendPorts } from '../backends/ports';

/** Why an `--otlp` value was refused, or the URL it names. */
export type OtlpTarget = { ok: true; url: URL } | { ok: false; reason: string };

/** `--otlp`: an http(s) URL of an OTLP/HTTP receiver, e.g. `http://127.0.0.1:4318`. */
export function parseOtlpTarget(value: string): OtlpTarget {
  if (!URL.canParse(value)) return { ok: false, reason: `"${value}" is not a URL` };
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      reason: `"${value}" is not http(s): the mesh exports OTLP over HTTP (protobuf)`,
    };
  }
  if (url.search !== '' || url.hash !== '') {
    return {
      ok: false,
      reason: `"${value}" carries a query or fragment; give the receiver's base URL`,
    };
  }
  return { ok: true, url };
}

/**
 * The standard `OTEL_*` variables that make every service export its traces over OTLP/HTTP
 * (protobuf) to `url` (docs/telemetry.md, libs/telemetry/src/trace-exporters.ts). The traces
 * endpoint and protocol are set too, so an `OTEL_EXPORTER_OTLP_TRACES_*` left in the shell cannot
 * send them elsewhere: the flag decides. `url` is the receiver's base URL; one already ending in
 * `/v1/traces` is accepted as the traces endpoint itself.
 */
export function otlpExportEnv(url: URL): Record<string, string> {
  const base = url.href.replace(/\/$/, '').replace(/\/v1\/traces$/, '');
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/v1/traces`,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  };
}

/**
 * Where to look at what the mesh sends: the Jaeger UI/API and Prometheus of the
 * `npm run backends` the URL points at (its port offset read from the receiver port), or the
 * defaults when the URL is some other receiver.
 */
export function backendLinks(url: URL): { jaeger: string; prometheus: string; guessed: boolean } {
  const offset = backendOffsetOf(url);
  const ports = backendPorts(offset ?? 0);
  const shown = offset === undefined ? '127.0.0.1' : url.hostname;
  return {
    jaeger: `http://${shown}:${ports.jaegerQuery}`,
    prometheus: `http://${shown}:${ports.prometheus}`,
    guessed: offset === undefined,
  };
}
