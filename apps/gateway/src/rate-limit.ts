import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { KeyedLimiter, LeakyBucket, TokenBucket, isRateLimitedError } from '@mesh/resilience';
import { HttpError } from '@mesh/service-kit';

/** How the gateway limits each client; see docs/resilience.md. */
export interface RateLimitSettings {
  policy: 'token-bucket' | 'leaky-bucket' | 'off';
  /** Sustained requests per second per client (token refill, or leaky drain rate). */
  ratePerSecond: number;
  /** Token bucket: the largest burst. */
  burst: number;
  /** Leaky bucket: how many requests may wait their turn. */
  queueSize: number;
  /** API keys that are identities (sent in `X-Api-Key`); any other key is ignored. */
  apiKeys: ReadonlySet<string>;
  /** Clients tracked at most; the least recently seen is forgotten first. */
  maxClients: number;
  /** A client unseen this long is forgotten, ms. */
  idleTtlMs: number;
}

/**
 * Who a request counts against: a configured API key, else the client address. An unknown key
 * is no identity — otherwise every made-up key would buy a fresh, full bucket.
 */
export function clientKey(req: Request, apiKeys: ReadonlySet<string>): string {
  const apiKey = req.get('x-api-key');
  if (apiKey !== undefined && apiKeys.has(apiKey)) return `key:${apiKey}`;
  return `ip:${req.socket.remoteAddress ?? 'unknown'}`;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * Rate limiting per client with the IETF httpapi rate-limit headers on every answer:
 * `RateLimit-Policy: "<policy>";q=<quota>;w=<window s>` and `RateLimit: "<policy>";r=<left>;t=<s>`.
 * A refused request is 429 `rate_limited` with `Retry-After`.
 */
export function rateLimitMiddleware(settings: RateLimitSettings): RequestHandler[] {
  if (settings.policy === 'off') return [];
  if (settings.policy === 'token-bucket') {
    const name = 'token-bucket';
    const window = seconds((settings.burst / settings.ratePerSecond) * 1000);
    const limiter = new KeyedLimiter({
      create: () =>
        new TokenBucket({
          ratePerSecond: settings.ratePerSecond,
          burst: settings.burst,
          name: 'gateway',
        }),
      idleTtlMs: settings.idleTtlMs,
      maxKeys: settings.maxClients,
    });
    return [
      (req: Request, res: Response, next: NextFunction) => {
        const decision = limiter.get(clientKey(req, settings.apiKeys)).tryTake();
        res.setHeader('RateLimit-Policy', `"${name}";q=${settings.burst};w=${window}`);
        res.setHeader(
          'RateLimit',
          `"${name}";r=${decision.remaining};t=${seconds(decision.resetMs)}`,
        );
        if (decision.allowed) {
          next();
          return;
        }
        next(
          new HttpError('rate_limited', 'too many requests: slow down', {
            retryAfterSeconds: Math.max(1, seconds(decision.retryAfterMs)),
          }),
        );
      },
    ];
  }
  const name = 'leaky-bucket';
  const limiter = new KeyedLimiter({
    create: () =>
      new LeakyBucket({
        drainPerSecond: settings.ratePerSecond,
        queueSize: settings.queueSize,
        name: 'gateway',
      }),
    idleTtlMs: settings.idleTtlMs,
    maxKeys: settings.maxClients,
  });
  return [
    async (req: Request, res: Response, next: NextFunction) => {
      const bucket = limiter.get(clientKey(req, settings.apiKeys));
      res.setHeader('RateLimit-Policy', `"${name}";q=${settings.ratePerSecond};w=1`);
      const gone = new AbortController();
      const onClose = () => gone.abort();
      res.once('close', onClose);
      try {
        await bucket.acquire(gone.signal);
      } catch (error) {
        if (gone.signal.aborted) return; // the client left while waiting its turn
        if (isRateLimitedError(error)) {
          res.setHeader('RateLimit', `"${name}";r=0;t=${seconds(error.retryAfterMs)}`);
          throw new HttpError('rate_limited', 'too many requests: the queue is full', {
            retryAfterSeconds: Math.max(1, seconds(error.retryAfterMs)),
          });
        }
        throw error;
      } finally {
        res.off('close', onClose);
      }
      const { queued, queueSize } = bucket.snapshot();
      res.setHeader('RateLimit', `"${name}";r=${Math.max(0, queueSize - queued)};t=1`);
      next();
    },
  ];
}
