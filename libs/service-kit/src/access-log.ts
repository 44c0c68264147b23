import type { NextFunction, Request, Response } from 'express';
import { DEADLINE_HEADER } from '@mesh/resilience';
import type { Logger } from '@mesh/telemetry';
import { requestContext } from './request-context';

/** The route template a request matched (`/orders/:id`), or undefined when none did. */
export function matchedRoute(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/**
 * One line per request once the answer is sent: method, route, status, duration and request id,
 * under ECS field names. Health probes log at debug so the steady polling does not drown the rest.
 */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.once('close', () => {
      const context = requestContext(res);
      const durationNs = process.hrtime.bigint() - context.startedAt;
      const route = matchedRoute(req);
      const status = res.headersSent ? res.statusCode : 499;
      const level = req.path.startsWith('/health/') ? 'debug' : 'info';
      const budget = Number.parseInt(req.get(DEADLINE_HEADER) ?? '', 10);
      logger.log(
        level,
        `${req.method} ${route ?? req.path} ${status} ${Number(durationNs / 1_000_000n)}ms`,
        {
          event: { dataset: 'http.access', duration: Number(durationNs) },
          http: {
            request: { method: req.method, id: context.requestId },
            response: { status_code: status },
            ...(route ? { route } : {}),
          },
          url: { path: req.path },
          // The budget the caller granted (x-mesh-deadline-ms), so each hop's share can be compared.
          ...(Number.isFinite(budget) ? { mesh: { deadline_ms: budget } } : {}),
          ...(res.writableFinished ? {} : { 'event.outcome': 'unknown' }),
        },
      );
    });
    next();
  };
}
