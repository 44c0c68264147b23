import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Attributes, Span, SpanContext } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * The span of the HTTP request being served: the http instrumentation's server span (found
 * through the RPC metadata it puts in the context, even while an express middleware span is
 * active), else the active span.
 */
function requestSpan(): Span | undefined {
  const active = context.active();
  const rpc = getRPCMetadata(active);
  if (rpc?.type === RPCType.HTTP) return rpc.span;
  return trace.getSpan(active);
}

function validContext(span: Span | undefined): SpanContext | undefined {
  const spanContext = span?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * The W3C Trace Context level 2 `traceresponse` header value for the request being served:
 * `00-<trace-id>-<server span id>-<flags>`, so a caller can find the trace it caused. Undefined
 * when there is no local span (SDK off, or outside a request).
 */
export function traceResponseHeader(): string | undefined {
  const spanContext = validContext(requestSpan());
  // a remote context's span id is the caller's, not a span of ours
  if (!spanContext || spanContext.isRemote) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The active span's context when it is valid (both ids at once, for callers that want both). */
export function activeSpanContext(): SpanContext | undefined {
  return validContext(trace.getActiveSpan());
}

/** The trace id of the active span context (32 hex digits), or undefined when there is none. */
export function activeTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

/** The span id of the active span context (16 hex digits), or undefined when there is none. */
export function activeSpanId(): string | undefined {
  return activeSpanContext()?.spanId;
}

/** Adds attributes (see attribute-names.ts) to the active span; a no-op without one. */
export function setSpanAttributes(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Adds attributes to the server span of the request being served (the span Jaeger lists for the
 * request), wherever in the handler chain it is called; falls back to the active span.
 */
export function setRequestAttributes(attributes: Attributes): void {
  requestSpan()?.setAttributes(attributes);
}
