import type { Express, Request, Response } from 'express';
import { createServiceApp, requestDeadline } from '@mesh/service-kit';
import type { ChaosController, Readiness } from '@mesh/service-kit';
import type { Logger } from '@mesh/telemetry';
import { forward, pathSegment } from './proxy';
import type { Upstream } from './proxy';
import { rateLimitMiddleware } from './rate-limit';
import type { RateLimitSettings } from './rate-limit';

export interface GatewayDeps {
  logger: Logger;
  readiness: Readiness;
  chaos: ChaosController;
  bodyLimitBytes: number;
  /** Total budget of a request, retries included, ms. */
  deadlineMs: number;
  rateLimit: RateLimitSettings;
  upstreams: { users: Upstream; orders: Upstream };
}

/**
 * The public entry: `/api/users…` to user-service, `/api/orders…` to order-service. Routes are
 * declared one by one so traces, metrics and logs name the route (`GET /api/orders/:id`).
 */
export function createApp(deps: GatewayDeps): Express {
  const { users, orders } = deps.upstreams;
  // The upstream path is built from the matched route and its parameters, so what reaches a
  // service is the route the gateway logged and measured (README, "API").
  const to =
    (upstream: Upstream, path: (req: Request) => string) => (req: Request, res: Response) =>
      forward(upstream, req, res, path(req), requestDeadline(res));
  const id = (req: Request) => pathSegment(req.params['id'] as string | undefined, 'id');
  const usersPath = () => '/users';
  const userPath = (req: Request) => `/users/${id(req)}`;
  const ordersPath = () => '/orders';
  const orderPath = (req: Request) => `/orders/${id(req)}`;
  return createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    chaos: deps.chaos,
    bodyLimitBytes: deps.bodyLimitBytes,
    // Rate limit first: the cheapest refusal, before any other work.
    before: rateLimitMiddleware(deps.rateLimit),
    deadlineMs: deps.deadlineMs,
    routes: (router) => {
      router.post('/api/users', to(users, usersPath));
      router.get('/api/users', to(users, usersPath));
      router.get('/api/users/:id', to(users, userPath));
      router.post('/api/orders', to(orders, ordersPath));
      router.get('/api/orders', to(orders, ordersPath));
      router.get('/api/orders/:id', to(orders, orderPath));
    },
  });
}
