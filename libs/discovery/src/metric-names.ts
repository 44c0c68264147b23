/** Name of the meter every instrument of this lib is created on. */
export const DISCOVERY_METER_NAME = '@mesh/discovery';

/** Observable gauge `{instance}`: instances per service and health state. */
export const METRIC_INSTANCES = 'mesh.discovery.instances';
/** Counter `{error}`: failed registry operations and registry values that did not parse. */
export const METRIC_REGISTRY_ERRORS = 'mesh.discovery.registry.errors';
/** Observable gauge (0 or 1): whether the cached instance list of a service is stale. */
export const METRIC_CACHE_STALE = 'mesh.discovery.cache.stale';
/** Observable gauge `s`: how long the cached list of a service has been stale (0 while fresh). */
export const METRIC_CACHE_STALE_AGE = 'mesh.discovery.cache.stale_age';
/** Counter `{failure}`: lease keepalive attempts that failed. */
export const METRIC_LEASE_KEEPALIVE_FAILURES = 'mesh.discovery.lease.keepalive_failures';
/** Counter `{registration}`: registrations made again after their lease or key was lost. */
export const METRIC_REREGISTRATIONS = 'mesh.discovery.reregistrations';
/** Counter `{check}`: active health checks done, by result. */
export const METRIC_HEALTH_CHECKS = 'mesh.discovery.health_checks';
