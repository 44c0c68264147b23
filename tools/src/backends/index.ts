export {
  derivePrometheusConfig,
  deriveTestRules,
  meshScrapeTargets,
  parseDuration,
  prometheusJobs,
  prometheusRuleFiles,
} from './prometheus-config';
export type {
  DerivePrometheusConfigOptions,
  DeriveTestRulesOptions,
  MeshProcess,
  StaticTarget,
} from './prometheus-config';
export { startAlertmanager, startPrometheus } from './prometheus';
export type {
  RunningBackend,
  StartAlertmanagerOptions,
  StartPrometheusOptions,
} from './prometheus';
export { collectorConfigFile, collectorEnv, startCollector } from './collector';
export type { CollectorOptions, CollectorPorts } from './collector';
export { httpReady, startEngineProcess } from './engine-process';
export type { EngineProcess, EngineProcessOptions } from './engine-process';
export {
  BUILD_HINT,
  DEBIAN_ENGINES,
  EngineMissingError,
  engineCacheDir,
  INSTALL_HINT,
  isEngineMissingError,
  locateEngine,
  notBuiltMessage,
  readVersions,
  requireBuiltEngine,
  requireInstalledEngine,
} from './engines';
export type { BuiltEngine, BuiltEngineName } from './engines';
export { jaegerConfigFile, jaegerEnv, startJaeger } from './jaeger';
export type { JaegerOptions, JaegerPorts } from './jaeger';
export { openSearchEnv, startOpenSearch } from './opensearch';
export type { OpenSearchOptions, OpenSearchPorts } from './opensearch';
export {
  backendOffsetOf,
  backendPorts,
  DEFAULT_BACKEND_PORTS,
  MAX_BACKEND_PORT_OFFSET,
} from './ports';
export type { BackendPorts } from './ports';
export { expandKeys, ExpandKeysError, isJsonObject, valueAtPath } from './expand-keys';
export type { JsonObject } from './expand-keys';
export {
  INDEX_TEMPLATE_NAME,
  installIndexTemplate,
  logstashDataStream,
  readIndexTemplate,
  stripElasticsearchOnly,
} from './index-template';
export type { IndexTemplate } from './index-template';
export { dataStreamFields, shipLogLines, startLogShipper, toDocument } from './log-shipper';
export type {
  LogShipper,
  LogShipperOptions,
  LogShipperStats,
  ShipLogLinesOptions,
} from './log-shipper';
export { LogTailer } from './log-tailer';
export type { LogTailerOptions, TailedLine, TailPosition } from './log-tailer';
