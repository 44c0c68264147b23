import { DatabaseError, Pool } from 'pg';
import type { PoolClient } from 'pg';
import { DatabaseUnavailableError } from './database-unavailable-error';

/** How to reach PostgreSQL; every duration in milliseconds. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  url: string;
  /** Schema holding this service's tables, created by the first migration run when missing. */
  schema: string;
  /** Connections kept at most. Default 10. */
  poolSize?: number;
  /** Longest a statement may run before the server cancels it. Default 5000. */
  statementTimeoutMs?: number;
  /** Longest to wait for a connection (a new one, or a free one from the pool). Default 2000. */
  connectTimeoutMs?: number;
  /** `application_name`, shown in `pg_stat_activity`. Default none. */
  applicationName?: string;
  /**
   * Told about an error of an idle pooled connection (the server restarting, a network cut).
   * Such a connection is dropped and replaced on demand; the error never reaches a request.
   */
  onIdleClientError?: (error: Error) => void;
}

/** What `/admin/status` shows of the pool: the URL's host, port and database, never its credentials. */
export interface PostgresStatus {
  kind: 'postgresql';
  host: string;
  port: string;
  database: string;
  schema: string;
  pool: { total: number; idle: number; waiting: number; max: number };
}

/** Schema names are plain lower-case identifiers, so they need no quoting in `search_path`. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A connection pool whose connections search `options.schema` first and carry the statement
 * timeout. Idle-connection errors are handled (without a listener they would crash the process);
 * the pool reconnects by itself once the server answers again.
 */
export function createPgPool(options: PostgresOptions): Pool {
  if (!SCHEMA_NAME.test(options.schema))
    throw new Error(`not a plain schema name: ${options.schema}`);
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    keepAlive: true,
    options: `-c search_path=${options.schema}`,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  pool.on('error', (error) => options.onIdleClientError?.(error));
  return pool;
}

export function postgresStatus(pool: Pool, options: PostgresOptions): PostgresStatus {
  const url = new URL(options.url);
  return {
    kind: 'postgresql',
    host: url.hostname,
    port: url.port || '5432',
    database: decodeURIComponent(url.pathname.slice(1)),
    schema: options.schema,
    pool: {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max,
    },
  };
}

/**
 * SQLSTATE classes that say the server cannot serve, not that the statement is wrong:
 * 08 connection exception, 53 insufficient resources (too many connections, disk full),
 * 57 operator intervention (shutdown, restart, statement timeout), 58 system error (I/O).
 */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57', '58'];
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What `pg` says when a connection could not be had or was lost (it has no codes for these). */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Cannot use a pool after calling end/,
];

/** Turns the PostgreSQL failures that are about availability (not about the query) into {@link DatabaseUnavailableError}. */
export function classifyPgError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof DatabaseUnavailableError) return error;
  if (error instanceof DatabaseError) {
    const sqlState = error.code ?? '';
    return UNAVAILABLE_SQLSTATE_CLASSES.includes(sqlState.slice(0, 2))
      ? new DatabaseUnavailableError(`database unavailable (SQLSTATE ${sqlState})`, {
          cause: error,
        })
      : error;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_SOCKET_CODES.has(code)) {
    return new DatabaseUnavailableError(`database unreachable (${code})`, { cause: error });
  }
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))) {
    return new DatabaseUnavailableError(`database unavailable (${error.message})`, {
      cause: error,
    });
  }
  return error;
}

/**
 * Runs `fn` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it
 * throws. A connection that was lost is destroyed instead of going back to the pool.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // Lost between two statements (the server shutting down), a checked-out connection has no query
  // to fail: pg emits the error on the client, and unheard it would end the process. The next
  // statement fails instead ("not queryable").
  const onConnectionError = (error: Error) => {
    broken = error;
  };
  client.on('error', onConnectionError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.off('error', onConnectionError);
    client.release(broken);
  }
}
