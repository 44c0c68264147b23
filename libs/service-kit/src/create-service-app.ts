import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from '@mesh/telemetry';
import { accessLog } from './access-log';
import type { ChaosController } from './chaos';
import { deadlineMiddleware } from './deadline-middleware';
import { errorHandler, routeNotFound, sendError } from './error-handler';
import { HttpError } from './http-error';
import type { Readiness } from './readiness';
import { requestIdMiddleware } from './request-context';

export interface ServiceAppDeps {
  logger: Logger;
  readiness: Readiness;
  chaos: ChaosController;
  /** Largest accepted JSON body in bytes; larger ones get 413. */
  bodyLimitBytes: number;
  /** Middleware for business routes, run first, before the body is read (rate limiting). */
  before?: RequestHandler[];
  /**
   * Deadline given to a request that brings no `x-mesh-deadline-ms`, ms (the gateway's total
   * budget). Default: none — only a caller's budget applies.
   */
  deadlineMs?: number;
  /** Mounts the business routes on the given router. */
  routes: (router: Router) => void;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Rejects a body that is not JSON with 415 before anything reads it. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (METHODS_WITH_BODY.has(req.method) && hasBody && !req.is('application/json')) {
    next(
      new HttpError('unsupported_media_type', 'request body must be application/json', {
        details: { contentType: req.get('content-type') ?? null },
      }),
    );
    return;
  }
  next();
}

/**
 * Builds a service's API app: request ids and `traceresponse`, access log, health endpoints
 * (never touched by chaos), the caller's deadline (504 at once when spent), JSON body rules
 * (415, 413, 400), injected faults, the business routes, 404 for the rest and one error
 * envelope for every failure. It never listens.
 */
export function createServiceApp(deps: ServiceAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestIdMiddleware);
  app.use(accessLog(deps.logger));
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (deps.readiness.draining) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', async (req, res) => {
    const report = await deps.readiness.report();
    const failReadiness = deps.chaos.state().failReadiness;
    if (report.ready && !failReadiness) {
      res.json({ status: 'ready', checks: report.checks });
      return;
    }
    const reasons = [
      ...(report.draining ? ['draining'] : []),
      ...(failReadiness ? ['chaos'] : []),
      ...Object.entries(report.checks)
        .filter(([, ok]) => !ok)
        .map(([name]) => name),
    ];
    sendError(
      req,
      res,
      new HttpError('not_ready', `not ready: ${reasons.join(', ')}`, {
        details: { ...report, failReadiness },
        retryAfterSeconds: 1,
      }),
    );
  });

  for (const middleware of deps.before ?? []) app.use(middleware);
  app.use(deadlineMiddleware({ defaultMs: deps.deadlineMs }));
  app.use(requireJsonBody);
  app.use(express.json({ limit: deps.bodyLimitBytes, strict: true, type: 'application/json' }));
  app.use(deps.chaos.middleware());

  // Case-sensitive: `/API/users` is not `/api/users`, so no route answers for a path it does not
  // spell (and the gateway never forwards one under another route's name).
  const router = express.Router({ caseSensitive: true });
  deps.routes(router);
  app.use(router);

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
