import { Agent, errors as undiciErrors, request } from 'undici';
import type { Dispatcher } from 'undici';
import { HttpError } from './http-error';

/** One call to an upstream service. */
export interface UpstreamRequest {
  method: string;
  /** Path and query string, e.g. `/users/42?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts the call (the caller's deadline or a gone client). */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Which instance answered. */
  instance: string;
}

export interface UpstreamClientOptions {
  /** Name of the upstream service, used in error messages and telemetry. */
  service: string;
  /** Base URLs of its instances (the discovery layer replaces this list). */
  urls: readonly string[];
  /** Per-attempt timeout in ms. */
  attemptTimeoutMs: number;
  /** Connection pool shared by every upstream of this process. */
  dispatcher?: Dispatcher;
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

/** A connection-level failure: the upstream could not be reached or dropped the connection. */
export function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  }
  return false;
}

/** The request certainly never reached the upstream's application: safe to send elsewhere, even a POST. */
export function isConnectRefused(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
  }
  return false;
}

export function createDispatcher(): Dispatcher {
  return new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 30_000, connections: 128 });
}

/**
 * Calls one upstream service over keep-alive HTTP with a per-attempt timeout, and turns
 * transport failures into the mesh's errors (503 `upstream_unavailable`, 504 `upstream_timeout`).
 * A refused connection moves on to the next instance, since nothing was sent.
 */
export class UpstreamClient {
  readonly service: string;
  readonly #urls: readonly string[];
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  #next = 0;

  constructor(options: UpstreamClientOptions) {
    if (options.urls.length === 0)
      throw new Error(`no instances configured for ${options.service}`);
    this.service = options.service;
    this.#urls = options.urls;
    this.#timeoutMs = options.attemptTimeoutMs;
    this.#dispatcher = options.dispatcher ?? createDispatcher();
  }

  async request(call: UpstreamRequest): Promise<UpstreamResponse> {
    let lastError: unknown;
    for (let tried = 0; tried < this.#urls.length; tried++) {
      const base = this.#urls[this.#next++ % this.#urls.length] as string;
      try {
        return await this.#attempt(base, call);
      } catch (error) {
        lastError = error;
        if (!isConnectRefused(error) || call.signal?.aborted) break;
      }
    }
    throw this.#classify(lastError);
  }

  async #attempt(base: string, call: UpstreamRequest): Promise<UpstreamResponse> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      const response = await request(new URL(call.path, base), {
        method: call.method as Dispatcher.HttpMethod,
        headers: call.headers,
        body: call.body,
        signal,
        dispatcher: this.#dispatcher,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      return { status: response.statusCode, headers: response.headers, body, instance: base };
    } catch (error) {
      if (timeout.aborted && !call.signal?.aborted) {
        throw new HttpError(
          'upstream_timeout',
          `${this.service} did not answer within ${this.#timeoutMs}ms`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  #classify(error: unknown): unknown {
    if (error instanceof HttpError) return error;
    if (isConnectionError(error) || error instanceof undiciErrors.UndiciError) {
      return new HttpError('upstream_unavailable', `${this.service} is unavailable`, {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
    return error;
  }
}
