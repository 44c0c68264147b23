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
import { createLogger } from '@mesh/telemetry';
import { createApp } from './app';
import { orderServiceEnvSchema, toConfig } from './config';
import { SqliteOrderRepository } from './storage/sqlite-order-repository';
import { HttpUserDirectory } from './users/http-user-directory';

async function main(): Promise<void> {
  const config = toConfig(loadConfigOrExit(orderServiceEnvSchema, process.env));
  const logger = createLogger({ level: config.logLevel });

  let orders: SqliteOrderRepository;
  try {
    orders = SqliteOrderRepository.open({
      path: config.databasePath,
      busyTimeoutMs: config.sqliteBusyTimeoutMs,
    });
  } catch (error) {
    logger.error(`cannot open the database at ${config.databasePath} (DATABASE_PATH)`, {
      err: error as Error,
    });
    process.exitCode = 1;
    return;
  }

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
      database: { path: config.databasePath },
      upstreams: [userService.status()],
    }),
    register: (ports) =>
      discovery.register(selfInstance(config.discovery, instanceIdentity(), ports)),
    afterDrain: [
      () => userService.stop(),
      () => discovery.stop(),
      () => dispatcher.close(),
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
