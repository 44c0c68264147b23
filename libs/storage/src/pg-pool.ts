import { Pool } from 'pg';

/** How to reach PostgreSQL; every duration in milliseconds. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  url: string;
  /**
   * Schema holding the service's tables, created by the first migration run when missing. A plain
   * lower-case identifier ({@link SCHEMA_NAME}).
   */
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
   * Default: the error is dropped.
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

/** Where `pool` (made from `options`) stores and how busy it is, for `/admin/status`. */
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
