import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { HttpError } from './http-error';

/** The body of `POST /admin/chaos`: every field optional, unknown fields rejected. */
export const chaosSettingsSchema = z.strictObject({
  /** Share of business requests answered with `errorStatus`, 0..1. Default 0. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Status of injected errors, 400..599. Default 500. */
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** Added latency in ms before a business request is handled, 0..60000. Default 0. */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Uniform random extra latency in ms on top of `latencyMs`, 0..60000. Default 0. */
  latencyJitterMs: z.number().int().min(0).max(60_000).optional(),
  /** Makes `GET /health/ready` answer 503. Default false. */
  failReadiness: z.boolean().optional(),
  /** Clears the fault by itself after this many ms, 1..86400000. Default: until `DELETE /admin/chaos`. */
  durationMs: z.number().int().min(1).max(86_400_000).optional(),
});

export type ChaosSettings = z.infer<typeof chaosSettingsSchema>;

export interface ChaosState {
  errorRate: number;
  errorStatus: number;
  latencyMs: number;
  latencyJitterMs: number;
  failReadiness: boolean;
  /** ISO time at which the fault clears itself, or null. */
  expiresAt: string | null;
}

export interface ChaosOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** The fault currently injected into this instance's business routes (none by default). */
export class ChaosController {
  #settings: ChaosSettings = {};
  #expiresAt: number | null = null;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: ChaosOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  set(settings: ChaosSettings): ChaosState {
    this.#settings = { ...settings };
    this.#expiresAt = settings.durationMs === undefined ? null : this.#now() + settings.durationMs;
    return this.state();
  }

  clear(): ChaosState {
    return this.set({});
  }

  state(): ChaosState {
    if (this.#expiresAt !== null && this.#now() >= this.#expiresAt) {
      this.#settings = {};
      this.#expiresAt = null;
    }
    const s = this.#settings;
    return {
      errorRate: s.errorRate ?? 0,
      errorStatus: s.errorStatus ?? 500,
      latencyMs: s.latencyMs ?? 0,
      latencyJitterMs: s.latencyJitterMs ?? 0,
      failReadiness: s.failReadiness ?? false,
      expiresAt: this.#expiresAt === null ? null : new Date(this.#expiresAt).toISOString(),
    };
  }

  get active(): boolean {
    const s = this.state();
    return s.errorRate > 0 || s.latencyMs > 0 || s.latencyJitterMs > 0 || s.failReadiness;
  }

  /** Latency to add to the next request, in ms. */
  nextDelayMs(): number {
    const s = this.state();
    return s.latencyMs + Math.floor(this.#random() * s.latencyJitterMs);
  }

  /** Whether the next request fails. */
  nextFails(): boolean {
    const { errorRate } = this.state();
    return errorRate > 0 && this.#random() < errorRate;
  }

  /** Middleware for business routes only: adds latency, then maybe fails. */
  middleware() {
    return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
      const delay = this.nextDelayMs();
      if (delay > 0) {
        const controller = new AbortController();
        const onClose = () => controller.abort();
        // `res` closes early only when the client goes away (`req` closes once the body is read).
        res.once('close', onClose);
        try {
          await sleep(delay, undefined, { signal: controller.signal });
        } catch {
          return; // the client went away while we were being slow on purpose
        } finally {
          res.off('close', onClose);
        }
      }
      if (this.nextFails()) {
        const { errorStatus } = this.state();
        throw new HttpError('injected_fault', `fault injected by /admin/chaos (${errorStatus})`, {
          status: errorStatus,
          retryAfterSeconds: errorStatus === 503 || errorStatus === 429 ? 1 : undefined,
        });
      }
      next();
    };
  }
}
