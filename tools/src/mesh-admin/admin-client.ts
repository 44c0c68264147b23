import { request } from 'undici';
import { parsePrometheusText } from './prometheus-text';
import type { MetricSample } from './prometheus-text';

/** The fault `POST /admin/chaos` injects into an instance's business routes (libs/service-kit/src/chaos.ts). */
export interface Fault {
  /** Share of business requests answered with `errorStatus`, 0..1. */
  errorRate?: number;
  /** Status of injected errors, 400..599. Service default 500. */
  errorStatus?: number;
  /** Added latency, ms. */
  latencyMs?: number;
  /** Uniform random extra latency on top of `latencyMs`, ms. */
  latencyJitterMs?: number;
  /** Makes `GET /health/ready` answer 503. */
  failReadiness?: boolean;
  /** The fault clears itself after this many ms. Default: until cleared. */
  durationMs?: number;
}

/** The fault an instance reports in `/admin/status` (`chaos`). */
export interface FaultState {
  errorRate: number;
  errorStatus: number;
  latencyMs: number;
  latencyJitterMs: number;
  failReadiness: boolean;
  /** ISO time at which the fault clears itself, or null. */
  expiresAt: string | null;
}

/** What every instance's `GET /admin/status` reports, plus whatever sections its service adds. */
export interface InstanceStatus {
  service: string;
  instanceId: string;
  version: string;
  pid: number;
  uptimeSeconds: number;
  ready: boolean;
  chaos: FaultState;
  [section: string]: unknown;
}

/** Why an admin call failed: the instance is down, refused the token, or answered an error. */
export class AdminError extends Error {
  override readonly name = 'AdminError';

  constructor(
    message: string,
    /** `unreachable` (connection refused, timeout), `unauthorized` (401), `http` (another status ≥ 400). */
    readonly kind: 'unreachable' | 'unauthorized' | 'http',
    /** The HTTP status, when there was an answer. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isAdminError(error: unknown): error is AdminError {
  return error instanceof AdminError;
}

export interface AdminClientOptions {
  /** The mesh's `ADMIN_TOKEN`, sent as `Authorization: Bearer`. */
  token: string;
  /** Per call, connect to last byte, ms. Default 5000. */
  timeoutMs?: number;
}

/**
 * The client of one mesh instance's admin port (`/admin/*` and `/metrics`, see
 * docs/resilience.md): every call has a timeout and turns failures into an {@link AdminError}.
 */
export class AdminClient {
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: AdminClientOptions) {
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** `GET /admin/status`. */
  async status(adminUrl: string): Promise<InstanceStatus> {
    return JSON.parse(await this.#call('GET', adminUrl, '/admin/status')) as InstanceStatus;
  }

  /** `POST /admin/chaos`: replaces the instance's fault with `fault`; resolves with the new state. */
  async setFault(adminUrl: string, fault: Fault): Promise<FaultState> {
    return JSON.parse(await this.#call('POST', adminUrl, '/admin/chaos', fault)) as FaultState;
  }

  /** `DELETE /admin/chaos`: no fault any more. */
  async clearFault(adminUrl: string): Promise<FaultState> {
    return JSON.parse(await this.#call('DELETE', adminUrl, '/admin/chaos')) as FaultState;
  }

  /** `GET /metrics`, parsed into samples (sum them with `sumSamples`). */
  async metrics(adminUrl: string): Promise<MetricSample[]> {
    return parsePrometheusText(await this.#call('GET', adminUrl, '/metrics'));
  }

  async #call(
    method: 'GET' | 'POST' | 'DELETE',
    adminUrl: string,
    path: string,
    body?: unknown,
  ): Promise<string> {
    const url = new URL(path, adminUrl).toString();
    let response;
    try {
      response = await request(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs}ms`
          : (error as Error).message || String(error);
      throw new AdminError(`${method} ${url}: ${why}`, 'unreachable', undefined, { cause: error });
    }
    const text = await response.body.text();
    if (response.statusCode >= 400) {
      const message = errorMessage(text);
      throw new AdminError(
        `${method} ${url}: ${response.statusCode}${message ? ` ${message}` : ''}`,
        response.statusCode === 401 ? 'unauthorized' : 'http',
        response.statusCode,
      );
    }
    return text;
  }
}

/** The `error.message` of the mesh's error envelope, with its details, when the body is one. */
function errorMessage(text: string): string {
  try {
    const { error } = JSON.parse(text) as {
      error?: { message?: string; details?: unknown };
    };
    if (!error?.message) return '';
    return error.details === undefined
      ? error.message
      : `${error.message} ${JSON.stringify(error.details)}`;
  } catch {
    return text.slice(0, 200);
  }
}
