import { ChaosController, Readiness, loadConfigOrExit, serveUntilSignal } from '@mesh/service-kit';
import { createLogger } from '@mesh/telemetry';
import { createApp } from './app';
import { toConfig, userServiceEnvSchema } from './config';
import { SqliteUserRepository } from './storage/sqlite-user-repository';

async function main(): Promise<void> {
  const config = toConfig(loadConfigOrExit(userServiceEnvSchema, process.env));
  const logger = createLogger({ level: config.logLevel });

  let users: SqliteUserRepository;
  try {
    users = SqliteUserRepository.open({
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

  const readiness = new Readiness();
  readiness.addCheck('database', () => users.ping());
  const chaos = new ChaosController();
  const app = createApp({ logger, readiness, chaos, bodyLimitBytes: config.bodyLimitBytes, users });

  await serveUntilSignal({
    app,
    settings: config,
    logger,
    readiness,
    chaos,
    status: () => ({ database: { path: config.databasePath } }),
    afterDrain: [() => users.close()],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `user-service failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
