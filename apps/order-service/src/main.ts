import {
  ChaosController,
  Readiness,
  createDispatcher,
  createRegistry,
  createUpstream,
  instanceIdentity,
  loadConfigOrExit,
  selfInstance,
  serveUntilSignal,
  startDiscovery,
} from '@mesh/service-kit';
import { openStoreOrLog } from '@mesh/storage';
import { createLogger } from '@mesh/telemetry';
import { createApp } from './app';
import { orderServiceEnvSchema, toConfig } from './config';
import { IdempotencyKeyCleanup } from './storage/idempotency-key-cleanup';
import { PgOrderRepository } from './storage/pg-order-repository';
import { SqliteOrderRepository } from './storage/sqlite-order-repository';
import type { OrderRepository } from './storage/order-repository';
import { HttpUserDirectory } from './users/http-user-directory';

async function main(): Promise<void> {
  const config = loadConfigOrExit(orderServiceEnvSchema, process.env, toConfig);
  const logger = createLogger({ level: config.logLevel });

  const opened = await openStoreOrLog<OrderRepository>(
    config.store,
    {
      sqlite: (options) => SqliteOrderRepository.open(options),
      postgres: (options) => PgOrderRepository.open(options),
    },
    logger,
  );
  if (!opened) {
    process.exitCode = 1;
    return;
  }
  const orders = opened.repository;
  const keyCleanup = new IdempotencyKeyCleanup({
    orders,
    retentionMs: config.idempotencyRetentionMs,
    intervalMs: config.idempotencyCleanupIntervalMs,
    onError: (error) =>
      logger.warn('expired idempotency keys not cleaned up this time', { err: error as Error }),
  });
  keyCleanup.start();

  const registry = createRegistry(config.discovery, (event) =>
    logger.info(`registry: ${event.type}`, { 'mesh.event': event }),
  );
  const discovery = await startDiscovery(registry, ['user-service'], logger);
  const dispatcher = createDispatcher();
  const userService = createUpstream(config.userService, {
    cache: discovery.cache,
    dispatcher,
    logger,
  });
  const users = new HttpUserDirectory(userService.client);

  // Readiness is about this instance only: user-service being down degrades reads, it must not
  // take order-service out of rotation too.
  const readiness = new Readiness();
  readiness.addCheck('database', () => orders.ping());
  const chaos = new ChaosController();
  const app = createApp({
    logger,
    readiness,
    chaos,
    bodyLimitBytes: config.bodyLimitBytes,
    orders,
    users,
  });

  await serveUntilSignal({
    app,
    settings: config,
    logger,
    readiness,
    chaos,
    status: () => ({
      database: opened.status(),
      upstreams: [userService.status()],
    }),
    register: (ports) =>
      discovery.register(selfInstance(config.discovery, instanceIdentity(), ports)),
    afterDrain: [
      () => userService.stop(),
      () => discovery.stop(),
      () => dispatcher.close(),
      () => keyCleanup.stop(),
      () => orders.close(),
    ],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `order-service failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
