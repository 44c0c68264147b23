import {
  ChaosController,
  Readiness,
  UpstreamClient,
  createDispatcher,
  loadConfigOrExit,
  serveUntilSignal,
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

  const dispatcher = createDispatcher();
  const users = new HttpUserDirectory(
    new UpstreamClient({
      service: 'user-service',
      urls: config.userServiceUrls,
      attemptTimeoutMs: config.userServiceTimeoutMs,
      dispatcher,
    }),
  );

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
      upstreams: {
        'user-service': { urls: config.userServiceUrls, timeoutMs: config.userServiceTimeoutMs },
      },
    }),
    afterDrain: [() => dispatcher.close(), () => orders.close()],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `order-service failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
