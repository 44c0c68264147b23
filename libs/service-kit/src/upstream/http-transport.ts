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

/**
 * How a request failed below HTTP: `connect` (no connection was made), `reset` (the connection
 * broke), `timeout` (the network or undici's header/body timers gave up) or `protocol` (the answer
 * was not valid HTTP). See docs/resilience.md, "How an outcome is classified".
 */
export type TransportErrorKind = 'connect' | 'reset' | 'timeout' | 'protocol';

/** Error codes of each kind: the system's errno names and undici's `UND_ERR_*`. */
const TRANSPORT_ERROR_KINDS: Readonly<Record<string, TransportErrorKind>> = {
  ECONNREFUSED: 'connect',
  ENOTFOUND: 'connect',
  EAI_AGAIN: 'connect',
  EHOSTUNREACH: 'connect',
  EHOSTDOWN: 'connect',
  ENETUNREACH: 'connect',
  ENETDOWN: 'connect',
  EADDRNOTAVAIL: 'connect',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'protocol',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'protocol',
  UND_ERR_INFO: 'protocol',
};

/**
 * The kind of transport failure anywhere in the `cause` chain, or undefined for anything else
 * (an abort, a programming error such as an invalid URL). Parser errors (`HPE_*`, undici's
 * `HTTPParserError`) are `protocol`.
 */
export function transportErrorKind(error: unknown): TransportErrorKind | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      const kind = TRANSPORT_ERROR_KINDS[code];
      if (kind) return kind;
      if (code.startsWith('HPE_')) return 'protocol';
    }
    if (e.name === 'HTTPParserError') return 'protocol';
  }
  return undefined;
}

/**
 * A transport failure of any kind: the upstream could not be reached, dropped the connection,
 * timed out below HTTP or answered something that is not HTTP. Counted against the instance,
 * retried when the request is safe to repeat, answered 503 `upstream_unavailable`.
 */
export function isConnectionError(error: unknown): boolean {
  return transportErrorKind(error) !== undefined;
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
