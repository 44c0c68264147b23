export {
  ATTR_DISCOVERY_SERVICE,
  ATTR_ERROR_TYPE,
  ATTR_HEALTH_CHECK_RESULT,
  ATTR_INSTANCE_STATE,
  ATTR_REGISTRY,
  ATTR_REGISTRY_OPERATION,
  ATTR_REREGISTRATION_REASON,
} from './attribute-names';
export { systemClock } from './clock';
export type { Clock, ClockTimer } from './clock';
export { EtcdRegistry } from './etcd-registry';
export type { EtcdRegistryOptions } from './etcd-registry';
export { HealthChecker } from './health-checker';
export type {
  HealthChange,
  HealthCheckerOptions,
  HealthState,
  InstanceHealth,
} from './health-checker';
export { InstanceCache } from './instance-cache';
export type {
  InstanceCacheEvent,
  InstanceCacheListener,
  InstanceCacheOptions,
} from './instance-cache';
export { observeInstanceStates } from './instance-state-gauge';
export type { InstanceStateGaugeOptions } from './instance-state-gauge';
export {
  DISCOVERY_METER_NAME,
  METRIC_CACHE_STALE,
  METRIC_CACHE_STALE_AGE,
  METRIC_HEALTH_CHECKS,
  METRIC_INSTANCES,
  METRIC_LEASE_KEEPALIVE_FAILURES,
  METRIC_REGISTRY_ERRORS,
  METRIC_REREGISTRATIONS,
} from './metric-names';
export type {
  RegistrationHandle,
  Registry,
  RegistryEvent,
  RegistryEventListener,
  ReregistrationReason,
  WatchOptions,
} from './registry';
export { parseServiceInstance, serviceInstanceSchema } from './service-instance';
export type { ParsedInstance, ServiceInstance } from './service-instance';
export { StaticRegistry } from './static-registry';
export type { StaticRegistryConfig, StaticRegistryOptions } from './static-registry';
