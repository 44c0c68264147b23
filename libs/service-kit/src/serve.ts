import type { Express } from 'express';
import type { RegistrationHandle, ServiceInstance } from '@mesh/discovery';
import {
  metricsRequestHandler,
  serviceIdentity,
  setTelemetryWarningHandler,
  shutdownTelemetry,
} from '@mesh/telemetry';
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
  /**
   * Registers this instance once both ports listen. Its registration is withdrawn first on
   * shutdown — before draining — so callers stop sending new requests.
   */
  register?: (ports: { api: number; admin: number }) => Promise<RegistrationHandle>;
}

export type { RegistrationHandle, ServiceInstance };

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
  setTelemetryWarningHandler((message, error) => logger.warn(message, error ? { err: error } : {}));
  let registration: RegistrationHandle | undefined;
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
      beforeDrain: [
        async () => {
          await registration?.deregister();
        },
        ...(options.beforeDrain ?? []),
      ],
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
    if (options.register) {
      registration = await options.register({ api: service.apiPort, admin: service.adminPort });
      logger.info(`${identity.service} registered as ${identity.instanceId}`, {
        'event.action': 'register',
      });
    }
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
