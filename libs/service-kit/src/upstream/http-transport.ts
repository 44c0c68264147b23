import { Agent } from 'undici';
import type { Dispatcher } from 'undici';

/** One HTTP request to an upstream service, before an instance is chosen. */
export interface UpstreamRequest {
  method: string;
  /** Path and query string, e.g. `/users/42?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts the call (the caller's deadline or a gone client). */
  signal?: AbortSignal;
}

/** The answer of one upstream instance, body read in full. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Id of the instance that answered. */
  instance: string;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** A connection-level failure anywhere in the `cause` chain: the upstream could not be reached or dropped the connection. */
export function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  }
  return false;
}

/** The connection was refused, so the request never reached the upstream: safe to send elsewhere, even a POST. */
export function isConnectRefused(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
  }
  return false;
}

/**
 * The keep-alive connection pool a process shares between all its upstreams: up to 128
 * connections per origin, idle sockets kept 10 s (at most 30 s when a server asks for longer).
 * Close it when the process drains.
 */
export function createDispatcher(): Dispatcher {
  return new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 30_000, connections: 128 });
}
