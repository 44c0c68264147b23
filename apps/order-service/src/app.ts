import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { createServiceApp } from '@mesh/service-kit';
import type { ChaosController, Readiness } from '@mesh/service-kit';
import type { Logger } from '@mesh/telemetry';
import { mountOrderRoutes } from './order-routes';
import type { OrderRepository } from './storage/order-repository';
import type { UserDirectory } from './users/user-directory';

export interface OrderAppDeps {
  logger: Logger;
  readiness: Readiness;
  chaos: ChaosController;
  /** Largest accepted JSON body in bytes; larger ones get 413. */
  bodyLimitBytes: number;
  orders: OrderRepository;
  /** How orders learn about users (user-service over HTTP in production). */
  users: UserDirectory;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** New order ids. Default `crypto.randomUUID`. */
  newId?: () => string;
}

/** order-service's API app, built from its dependencies; it never listens and never reads the environment. */
export function createApp(deps: OrderAppDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    chaos: deps.chaos,
    bodyLimitBytes: deps.bodyLimitBytes,
    routes: (router) =>
      mountOrderRoutes(router, {
        orders: deps.orders,
        users: deps.users,
        logger: deps.logger,
        now: deps.now ?? Date.now,
        newId: deps.newId ?? randomUUID,
      }),
  });
}
