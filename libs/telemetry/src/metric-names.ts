/**
 * Metrics a mesh service exposes on `/metrics`, by OpenTelemetry name (the Prometheus name
 * replaces dots with underscores and appends the unit, e.g. `http_server_request_duration_seconds`;
 * docs/telemetry.md lists them all). Incubating names are copied here, as the semantic-conventions
 * package advises.
 */
export {
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';

/** Name of the meter {@link meter} returns by default, and of the mesh's own instruments. */
export const MESH_METER_NAME = 'observable-mesh';

/** `process.cpu.time` (s, counter by `cpu.mode`), from the host-metrics instrumentation. */
export const METRIC_PROCESS_CPU_TIME = 'process.cpu.time';

/** `process.cpu.utilization` (1, gauge by `cpu.mode`), from the host-metrics instrumentation. */
export const METRIC_PROCESS_CPU_UTILIZATION = 'process.cpu.utilization';

/** `process.memory.usage` (By, resident set size), from the host-metrics instrumentation. */
export const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';

/** `nodejs.eventloop.delay.p99` (s), from the runtime-node instrumentation. */
export const METRIC_NODEJS_EVENTLOOP_DELAY_P99 = 'nodejs.eventloop.delay.p99';

/** `nodejs.eventloop.utilization` (1), from the runtime-node instrumentation. */
export const METRIC_NODEJS_EVENTLOOP_UTILIZATION = 'nodejs.eventloop.utilization';

/** `v8js.memory.heap.used` (By, by `v8js.heap.space.name`), from the runtime-node instrumentation. */
export const METRIC_V8JS_MEMORY_HEAP_USED = 'v8js.memory.heap.used';

/** `v8js.gc.duration` (s, histogram by `v8js.gc.type`), from the runtime-node instrumentation. */
export const METRIC_V8JS_GC_DURATION = 'v8js.gc.duration';
