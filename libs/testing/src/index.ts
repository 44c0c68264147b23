export { startCaptureServer } from './capture-server';
export type { CapturedRequest, CaptureServer } from './capture-server';
export {
  builtEngineDir,
  engineCacheDir,
  findExecutable,
  requireBuiltEngine,
  requireEngine,
} from './engine';
export type { BuiltEngineName, EngineLookup } from './engine';
export { requireEtcd, startEtcd } from './etcd-server';
export type { EtcdServer, StartEtcdOptions } from './etcd-server';
export { freePort } from './free-port';
export { kqlToQueryString } from './kql';
export type { TranslatedKql } from './kql';
export {
  decodeJsonTraces,
  decodeProtobufTraces,
  decodeTraceRequests,
  SPAN_KIND_CLIENT,
  SPAN_KIND_SERVER,
} from './otlp-traces';
export type { ExportedSpan } from './otlp-traces';
export { requirePostgres, startPostgres } from './postgres-server';
export type { PostgresServer, StartPostgresOptions } from './postgres-server';
export { parsePrometheusText, selectSamples } from './prometheus-text';
export type { Exposition, Sample } from './prometheus-text';
export { promtoolCheckMetrics } from './promtool';
export type { PromtoolVerdict } from './promtool';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
export { waitFor } from './wait-for';
export type { WaitForOptions } from './wait-for';
