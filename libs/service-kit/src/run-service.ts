import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '@mesh/telemetry';
import type { Readiness } from './readiness';

/** Thrown when a port is taken; names the port and the variable that sets it. */
export class PortInUseError extends Error {
  readonly port: number;
  constructor(port: number, variable: string) {
    super(`port ${port} is already in use (set ${variable} to another port)`);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

export function isPortInUseError(error: unknown): error is PortInUseError {
  return error instanceof PortInUseError;
}

export interface ServiceServersOptions {
  app: Express;
  adminApp: Express;
  host: string;
  port: number;
  adminPort: number;
  logger: Logger;
  readiness: Readiness;
  /** How long in-flight requests may take to finish once draining starts, in ms. */
  shutdownTimeoutMs: number;
  /** Run first on shutdown, before the server stops accepting: leave the registry so no new traffic comes. */
  beforeDrain?: Array<() => Promise<void>>;
  /** Run after the last request finished: close stores, flush telemetry. */
  afterDrain?: Array<() => Promise<void>>;
}

export interface RunningService {
  apiPort: number;
  adminPort: number;
  /** Drains and stops both servers; resolves when done. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

async function listen(
  server: Server,
  host: string,
  port: number,
  variable: string,
): Promise<number> {
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => Promise.reject(e)),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(port, variable);
    throw error;
  }
  return (server.address() as AddressInfo).port;
}

async function runHooks(
  hooks: Array<() => Promise<void>> | undefined,
  logger: Logger,
  stage: string,
) {
  for (const hook of hooks ?? []) {
    try {
      await hook();
    } catch (error) {
      logger.warn(`shutdown step failed (${stage})`, { err: error as Error });
    }
  }
}

/**
 * Listens on the API and admin ports. Shutdown: readiness turns false, the `beforeDrain` steps
 * run (deregistration), the API server stops accepting, in-flight requests finish (bounded by
 * `shutdownTimeoutMs`, then connections are cut), the admin server closes, `afterDrain` runs.
 */
export async function startServers(options: ServiceServersOptions): Promise<RunningService> {
  const { logger, readiness } = options;
  const apiServer = createServer(options.app);
  const adminServer = createServer(options.adminApp);
  // Keep-alive sockets idle longer than a typical client pool would keep them, so a pooled
  // connection is closed by the client first and never raced by us.
  apiServer.keepAliveTimeout = 65_000;
  apiServer.headersTimeout = 66_000;

  const apiPort = await listen(apiServer, options.host, options.port, 'PORT');
  let adminPort: number;
  try {
    adminPort = await listen(adminServer, options.host, options.adminPort, 'ADMIN_PORT');
  } catch (error) {
    apiServer.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info(`shutting down (${reason}): draining`, { 'event.action': 'shutdown' });
      readiness.startDraining();
      await runHooks(options.beforeDrain, logger, 'before drain');
      const closed = new Promise<void>((resolve) => apiServer.close(() => resolve()));
      // A keep-alive socket whose last response just finished becomes idle: cut those as they appear.
      apiServer.closeIdleConnections();
      const sweeper = setInterval(() => apiServer.closeIdleConnections(), 50);
      const timer = setTimeout(() => {
        logger.warn(`drain timeout of ${options.shutdownTimeoutMs}ms reached: closing connections`);
        apiServer.closeAllConnections();
      }, options.shutdownTimeoutMs);
      timer.unref();
      await closed;
      clearInterval(sweeper);
      clearTimeout(timer);
      adminServer.closeAllConnections();
      await new Promise<void>((resolve) => adminServer.close(() => resolve()));
      await runHooks(options.afterDrain, logger, 'after drain');
      logger.info('stopped', { 'event.action': 'shutdown' });
    })();
    return stopping;
  };

  return { apiPort, adminPort, shutdown };
}

/** Drains on SIGTERM or SIGINT, then exits 0 (1 if the drain itself failed). */
export function exitOnSignals(service: RunningService, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    service.shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { err: error as Error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
