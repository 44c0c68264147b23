import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { createServiceApp } from '@mesh/service-kit';
import type { ChaosController, Readiness } from '@mesh/service-kit';
import type { Logger } from '@mesh/telemetry';
import type { UserRepository } from './storage/user-repository';
import { mountUserRoutes } from './user-routes';

export interface UserAppDeps {
  logger: Logger;
  readiness: Readiness;
  chaos: ChaosController;
  /** Largest accepted JSON body in bytes; larger ones get 413. */
  bodyLimitBytes: number;
  users: UserRepository;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** New user ids. Default `crypto.randomUUID`. */
  newId?: () => string;
}

/** user-service's API app, built from its dependencies; it never listens and never reads the environment. */
export function createApp(deps: UserAppDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    chaos: deps.chaos,
    bodyLimitBytes: deps.bodyLimitBytes,
    routes: (router) =>
      mountUserRoutes(router, {
        users: deps.users,
        now: deps.now ?? Date.now,
        newId: deps.newId ?? randomUUID,
      }),
  });
}
