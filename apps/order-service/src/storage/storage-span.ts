import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_SQLITE,
  withSpan,
} from '@mesh/telemetry';

/** What one storage call is, for its trace span. */
export interface StorageCall {
  /** `db.operation.name`: `SELECT`, `INSERT`, … */
  operation: string;
  /** `db.collection.name`: the table. */
  collection: string;
  /** Domain attributes such as `user.id` (names from `@mesh/telemetry`). */
  attributes?: Record<string, string>;
}

/**
 * Runs one SQLite call inside a client span named `"<operation> <collection>"` with the
 * database semantic attributes; a synchronous throw becomes a rejection.
 */
export async function withStorageSpan<T>(call: StorageCall, fn: () => T): Promise<T> {
  return withSpan(
    `${call.operation} ${call.collection}`,
    {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_SQLITE,
      [ATTR_DB_OPERATION_NAME]: call.operation,
      [ATTR_DB_COLLECTION_NAME]: call.collection,
      ...call.attributes,
    },
    fn,
  );
}
