import type { Express } from 'express';
import { metricsRequestHandler, serviceIdentity, shutdownTelemetry } from '@mesh/telemetry';
import type { Logger } from '@mesh/telemetry';
import { createAdminApp } from './admin-app';
import type { InstanceIdentity } from './admin-app';
import { resolveAdminToken } from './admin-token';
import type { ChaosController } from './chaos';
import type { ServiceSettings } from './config';
import type { Readiness } from './readiness';
import { exitOnSignals, isPortInUseError, startServers } from './run-service';
import type { RunningService } from './run-service';

export interface ServeOptions {
  app: Express;
  settings: ServiceSettings;
  logger: Logger;
  readiness: Readiness;
  chaos: ChaosController;
  /** Extra sections of `/admin/status`. */
  status?: () => Record<string, unknown>;
  beforeDrain?: Array<() => Promise<void>>;
  afterDrain?: Array<() => Promise<void>>;
}

/** This process's identity, shared with the telemetry resource. */
export function instanceIdentity(): InstanceIdentity {
  const identity = serviceIdentity();
  return { service: identity.name, instanceId: identity.instanceId, version: identity.version };
}

/**
 * What every `main.ts` ends with: the admin app beside the API app, both listening, a drain on
 * SIGTERM/SIGINT and telemetry flushed last. A taken port ends the process with a one-line
 * message and exit code 1, never a stack trace.
 */
export async function serveUntilSignal(options: ServeOptions): Promise<RunningService> {
  const { settings, logger } = options;
  const identity = instanceIdentity();
  const admin = resolveAdminToken(settings.adminToken);
  if (admin.generated) {
    process.stderr.write(`ADMIN_TOKEN is not set; this instance's admin token: ${admin.token}\n`);
  }
  const adminApp = createAdminApp({
    identity,
    token: admin.token,
    logger,
    readiness: options.readiness,
    chaos: options.chaos,
    metricsHandler: metricsRequestHandler,
    status: options.status,
  });
  try {
    const service = await startServers({
      app: options.app,
      adminApp,
      host: settings.host,
      port: settings.port,
      adminPort: settings.adminPort,
      logger,
      readiness: options.readiness,
      shutdownTimeoutMs: settings.shutdownTimeoutMs,
      beforeDrain: options.beforeDrain,
      afterDrain: [...(options.afterDrain ?? []), () => shutdownTelemetry({ timeoutMs: 3000 })],
    });
    logger.info(
      `${identity.service} listening on ${settings.host}:${service.apiPort} (admin ${service.adminPort})`,
      {
        'event.action': 'start',
        'server.port': service.apiPort,
      },
    );
    exitOnSignals(service, logger);
    return service;
  } catch (error) {
    if (isPortInUseError(error)) {
      logger.error(error.message);
      process.stderr.write(`${identity.service}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
