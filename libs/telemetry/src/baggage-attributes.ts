import { BaggageSpanProcessor } from '@opentelemetry/baggage-span-processor';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Attribute namespaces the mesh's instrumentation owns (OpenTelemetry semantic conventions and
 * the mesh's own). Baggage is set by whoever calls the gateway, so a baggage entry under one of
 * them is not copied: it would overwrite what the instrumentation set when the span started
 * (`http.request.method`, `url.path`, …) with what a client claimed.
 */
const RESERVED_PREFIXES = [
  'client.',
  'db.',
  'deployment.',
  'error.',
  'exception.',
  'host.',
  'http.',
  'mesh.',
  'network.',
  'otel.',
  'process.',
  'server.',
  'service.',
  'telemetry.',
  'url.',
  'user_agent.',
];

/**
 * Whether a W3C baggage entry is copied onto spans as an attribute of the same name: every key
 * (`tenant`, `app.tenant`, `order.id`, …) except those in the namespaces above.
 */
export function isCopiedBaggageKey(key: string): boolean {
  return !RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * A span processor that puts the W3C `baggage` entries of a span's parent context on the span
 * when it starts, so baggage a client sent at the gateway is visible on the spans of every hop
 * it travelled to (each service runs it, and the propagator passes baggage on). See
 * docs/telemetry.md.
 */
export function createBaggageSpanProcessor(): SpanProcessor {
  return new BaggageSpanProcessor(isCopiedBaggageKey);
}
