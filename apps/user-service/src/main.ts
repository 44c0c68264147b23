import {
  ChaosController,
  Readiness,
  createRegistry,
  instanceIdentity,
  loadConfigOrExit,
  selfInstance,
  serveUntilSignal,
} from '@mesh/service-kit';
import { openStoreOrLog } from '@mesh/storage';
import { createLogger } from '@mesh/telemetry';
import { createApp } from './app';
import { toConfig, userServiceEnvSchema } from './config';
import { PgUserRepository } from './storage/pg-user-repository';
import { SqliteUserRepository } from './storage/sqlite-user-repository';
import type { UserRepository } from './storage/user-repository';

async function main(): Promise<void> {
  const config = loadConfigOrExit(userServiceEnvSchema, process.env, toConfig);
  const logger = createLogger({ level: config.logLevel });

  const opened = await openStoreOrLog<UserRepository>(
    config.store,
    {
      sqlite: (options) => SqliteUserRepository.open(options),
      postgres: (options) => PgUserRepository.open(options),
    },
    logger,
  );
  if (!opened) {
    process.exitCode = 1;
    return;
  }
  const users = opened.repository;

  const readiness = new Readiness();
  readiness.addCheck('database', () => users.ping());
  const chaos = new ChaosController();
  const app = createApp({ logger, readiness, chaos, bodyLimitBytes: config.bodyLimitBytes, users });

  const registry = createRegistry(config.discovery, (event) =>
    logger.info(`registry: ${event.type}`, { 'mesh.event': event }),
  );
  await serveUntilSignal({
    app,
    settings: config,
    logger,
    readiness,
    chaos,
    status: () => ({ database: opened.status() }),
    register: (ports) =>
      registry.register(selfInstance(config.discovery, instanceIdentity(), ports)),
    afterDrain: [() => users.close(), () => registry.close()],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `user-service failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
