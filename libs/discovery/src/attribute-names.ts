/**
 * Metric attribute names of `@mesh/discovery`. The mesh's own names live under `mesh.discovery.*`;
 * `error.type` is the OpenTelemetry semantic-convention attribute.
 */

/** The service looked up or registered (the upstream, not the process emitting the metric). */
export const ATTR_DISCOVERY_SERVICE = 'mesh.discovery.service';
/** Health state of an instance: `ready`, `not_ready`, `unknown` (or `ejected`, added by the caller). */
export const ATTR_INSTANCE_STATE = 'mesh.discovery.instance.state';
/** Which registry implementation: `etcd` or `static`. */
export const ATTR_REGISTRY = 'mesh.discovery.registry';
/** The registry operation that failed: `register`, `list`, `watch`, `lease_check`, `deregister`. */
export const ATTR_REGISTRY_OPERATION = 'mesh.discovery.registry.operation';
/** Why an instance was registered again: `lease_lost`, `lease_missing`, `key_missing`. */
export const ATTR_REREGISTRATION_REASON = 'mesh.discovery.reregistration.reason';
/** Outcome of one health check: `ready` or `not_ready`. */
export const ATTR_HEALTH_CHECK_RESULT = 'mesh.discovery.health_check.result';
/** Class of an error (semantic conventions): an error name, or a short code such as `invalid_value`. */
export const ATTR_ERROR_TYPE = 'error.type';
