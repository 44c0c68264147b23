import protobuf from 'protobufjs';
import type { CapturedRequest } from './capture-server';

/**
 * The part of the OTLP trace protocol (opentelemetry/proto/trace/v1, collector/trace/v1) the
 * tests read, written from the protocol's field numbers. Fields not listed (events, links, …)
 * are skipped by the decoder.
 */
const OTLP_TRACE_SUBSET = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
  fixed32 flags = 16;
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const requestType = protobuf
  .parse(OTLP_TRACE_SUBSET, { keepCase: false })
  .root.lookupType('otlp.ExportTraceServiceRequest');

/** One exported span, flattened with its resource and scope. */
export interface ExportedSpan {
  resource: Record<string, unknown>;
  scope: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  statusCode: number;
}

/** OTLP SpanKind of a span that served an incoming request. */
export const SPAN_KIND_SERVER = 2;
/** OTLP SpanKind of a span that made an outgoing call (HTTP, database). */
export const SPAN_KIND_CLIENT = 3;

interface AnyValueShape {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValueShape[] };
}
interface KeyValueShape {
  key: string;
  value?: AnyValueShape;
}
interface SpanShape {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: KeyValueShape[];
  status?: { code?: number };
}
interface RequestShape {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValueShape[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: SpanShape[] }>;
  }>;
}

function anyValue(value: AnyValueShape | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  return undefined;
}

function attributes(list: KeyValueShape[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

function flatten(request: RequestShape): ExportedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) =>
    (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        resource: attributes(resourceSpans.resource?.attributes),
        scope: scopeSpans.scope?.name ?? '',
        name: span.name,
        kind: span.kind ?? 0,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ? span.parentSpanId : undefined,
        attributes: attributes(span.attributes),
        statusCode: span.status?.code ?? 0,
      })),
    ),
  );
}

/** Decodes an OTLP/HTTP protobuf body (`application/x-protobuf`). */
export function decodeProtobufTraces(body: Buffer): ExportedSpan[] {
  const message = requestType.decode(body);
  const plain = requestType.toObject(message, { longs: String, bytes: String, defaults: false });
  // protobufjs renders bytes as base64; OTLP ids are read as hex everywhere else
  const hex = (base64: unknown) =>
    typeof base64 === 'string' && base64 ? Buffer.from(base64, 'base64').toString('hex') : '';
  const request = plain as RequestShape;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        span.traceId = hex(span.traceId);
        span.spanId = hex(span.spanId);
        span.parentSpanId = hex(span.parentSpanId);
      }
    }
  }
  return flatten(request);
}

/** Decodes an OTLP/HTTP JSON body (`application/json`, ids as hex strings). */
export function decodeJsonTraces(body: Buffer): ExportedSpan[] {
  return flatten(JSON.parse(body.toString('utf8')) as RequestShape);
}

/**
 * Every span in the OTLP/HTTP trace exports a receiver captured: each POST is decoded as JSON
 * when its content type says so, as protobuf otherwise; other requests are skipped.
 */
export function decodeTraceRequests(requests: readonly CapturedRequest[]): ExportedSpan[] {
  return requests
    .filter((request) => request.method === 'POST')
    .flatMap((request) =>
      request.headers['content-type']?.startsWith('application/json')
        ? decodeJsonTraces(request.body)
        : decodeProtobufTraces(request.body),
    );
}
