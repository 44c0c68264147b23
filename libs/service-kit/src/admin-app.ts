import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from '@mesh/telemetry';
import type { ChaosController } from './chaos';
import { chaosSettingsSchema } from './chaos';
import { errorHandler, routeNotFound } from './error-handler';
import { HttpError } from './http-error';
import type { Readiness } from './readiness';
import { requestIdMiddleware } from './request-context';
import { parseOrThrow } from './validation';

/** Who this instance is, as `/admin/status` reports it. */
export interface InstanceIdentity {
  service: string;
  instanceId: string;
  version: string;
}

export interface AdminAppDeps {
  identity: InstanceIdentity;
  /** Bearer token every `/admin` call must present. */
  token: string;
  logger: Logger;
  readiness: Readiness;
  chaos: ChaosController;
  /** Answers `GET /metrics` (Prometheus text); not behind the token, Prometheus scrapes it. */
  metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Extra sections of `/admin/status` (upstreams, breakers, limiters). */
  status?: () => Record<string, unknown>;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** SHA-256 of `value`: fixed-length, so comparing digests tells nothing of the token's length. */
const digest = (value: string) => createHash('sha256').update(value).digest();

function bearerAuth(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer x` is as good as `Bearer x`.
    const match = /^bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
    const given = digest(match?.[1] ?? '');
    if (!match || !timingSafeEqual(given, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="admin"');
      next(
        new HttpError(
          'unauthorized',
          match ? 'wrong admin token' : 'missing "Authorization: Bearer <ADMIN_TOKEN>" header',
        ),
      );
      return;
    }
    next();
  };
}

/**
 * The admin port's app: `GET /metrics`, and behind the bearer token `GET /admin/status`,
 * `POST /admin/chaos` (inject a fault) and `DELETE /admin/chaos` (clear it).
 */
export function createAdminApp(deps: AdminAppDeps): Express {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIdMiddleware);

  app.get('/metrics', (req, res) => {
    if (deps.metricsHandler) {
      deps.metricsHandler(req, res);
      return;
    }
    res.type('text/plain; version=0.0.4').send('# metrics are disabled (OTEL_SDK_DISABLED)\n');
  });

  const admin = express.Router();
  admin.use(bearerAuth(deps.token));
  admin.use(express.json({ limit: 10_000, strict: true }));

  admin.get('/status', async (_req, res) => {
    const readiness = await deps.readiness.report();
    res.json({
      ...deps.identity,
      pid: process.pid,
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
      ready: readiness.ready && !deps.chaos.state().failReadiness,
      readiness,
      chaos: deps.chaos.state(),
      ...deps.status?.(),
    });
  });

  admin.post('/chaos', (req, res) => {
    if (!req.is('application/json')) {
      throw new HttpError('unsupported_media_type', 'chaos settings must be application/json');
    }
    const settings = parseOrThrow(chaosSettingsSchema, req.body);
    const state = deps.chaos.set(settings);
    deps.logger.warn('chaos injected', { chaos: state });
    res.json(state);
  });

  admin.delete('/chaos', (_req, res) => {
    const state = deps.chaos.clear();
    deps.logger.info('chaos cleared');
    res.json(state);
  });

  app.use('/admin', admin);
  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
