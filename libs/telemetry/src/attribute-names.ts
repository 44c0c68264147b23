/**
 * Attribute names used on the mesh's spans, metrics and resource. Stable semantic-convention
 * names come from `@opentelemetry/semantic-conventions`; incubating ones are copied here, as that
 * package advises, so an upgrade cannot rename them under us; `mesh.*` and `order.id` are the
 * mesh's own. See docs/telemetry.md.
 */
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
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';

/** `user.id` (incubating semantic convention): the user a request is about. */
export const ATTR_USER_ID = 'user.id';

/** `db.system.name` value for SQLite (incubating semantic convention). */
export const DB_SYSTEM_NAME_VALUE_SQLITE = 'sqlite';

/** `db.system.name` value for PostgreSQL (stable, copied for symmetry with SQLite). */
export const DB_SYSTEM_NAME_VALUE_POSTGRESQL = 'postgresql';

/** `order.id`: the order a request creates or reads. */
export const ATTR_ORDER_ID = 'order.id';

/** `mesh.upstream`: the logical service a call goes to, e.g. `user-service`. */
export const ATTR_MESH_UPSTREAM = 'mesh.upstream';

/** `mesh.instance.id`: the `service.instance.id` of the upstream instance a call was sent to. */
export const ATTR_MESH_INSTANCE_ID = 'mesh.instance.id';

/** `mesh.request.id`: the request's `X-Request-Id`, to join spans with access logs. */
export const ATTR_MESH_REQUEST_ID = 'mesh.request.id';

/** `mesh.degraded`: true when the answer was built from a fallback (e.g. `X-Degraded`). */
export const ATTR_MESH_DEGRADED = 'mesh.degraded';

/** `mesh.idempotency.replayed`: true when a stored answer for an `Idempotency-Key` was replayed. */
export const ATTR_MESH_IDEMPOTENCY_REPLAYED = 'mesh.idempotency.replayed';
