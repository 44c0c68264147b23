export {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_MESH_DEGRADED,
  ATTR_MESH_IDEMPOTENCY_REPLAYED,
  ATTR_MESH_INSTANCE_ID,
  ATTR_MESH_REQUEST_ID,
  ATTR_MESH_UPSTREAM,
  ATTR_ORDER_ID,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_USER_ID,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  DB_SYSTEM_NAME_VALUE_SQLITE,
} from './attribute-names';
export { createLogger } from './logger';
export type { CreateLoggerOptions, Logger } from './logger';
export {
  MESH_METER_NAME,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
  METRIC_NODEJS_EVENTLOOP_DELAY_P99,
  METRIC_NODEJS_EVENTLOOP_UTILIZATION,
  METRIC_PROCESS_CPU_TIME,
  METRIC_PROCESS_CPU_UTILIZATION,
  METRIC_PROCESS_MEMORY_USAGE,
  METRIC_V8JS_GC_DURATION,
  METRIC_V8JS_MEMORY_HEAP_USED,
} from './metric-names';
export { meter, metricsRequestHandler } from './metrics';
export { shutdownTelemetry, startTelemetry, telemetryStatus } from './sdk';
export type { ShutdownTelemetryOptions, TelemetryStatus } from './sdk';
export { serviceIdentity } from './service-identity';
export type { ServiceIdentity } from './service-identity';
export { setTelemetryWarningHandler } from './telemetry-warnings';
export type { TelemetryWarningHandler } from './telemetry-warnings';
export {
  activeSpanId,
  activeTraceId,
  setRequestAttributes,
  setSpanAttributes,
  traceResponseHeader,
} from './trace-context';
export { withSpan } from './with-span';
