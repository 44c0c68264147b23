import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_SQLITE,
  withSpan,
} from '@mesh/telemetry';

/** What one SQLite call is, for its trace span. */
export interface SqliteCall {
  /** `db.operation.name`: `SELECT`, `INSERT`, … */
  operation: string;
  /** `db.collection.name`: the table, e.g. `users`. */
  collection: string;
  /** Domain attributes such as `user.id` (names from `@mesh/telemetry`). Default none. */
  attributes?: Record<string, string>;
}

/**
 * Runs one SQLite call inside a client span named `"<operation> <collection>"` with the
 * database semantic attributes; a synchronous throw becomes a rejection. (PostgreSQL calls need
 * none: `@opentelemetry/instrumentation-pg` traces each query.)
 */
export async function withSqliteSpan<T>(call: SqliteCall, fn: () => T): Promise<T> {
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
