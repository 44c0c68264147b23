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
import { gatewayEnvSchema, toGatewayConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(gatewayEnvSchema, process.env, toGatewayConfig);
  const logger = createLogger({ level: config.service.logLevel });
  const registry = createRegistry(config.discovery, (event) =>
    logger.info(`registry: ${event.type}`, { 'mesh.event': event }),
  );
  const discovery = await startDiscovery(registry, ['user-service', 'order-service'], logger);
  const dispatcher = createDispatcher();
  const users = createUpstream(config.upstreams.users, {
    cache: discovery.cache,
    dispatcher,
    logger,
  });
  const orders = createUpstream(config.upstreams.orders, {
    cache: discovery.cache,
    dispatcher,
    logger,
  });
  const readiness = new Readiness();
  // Ready when the registry lists somewhere to send each kind of request.
  for (const service of ['user-service', 'order-service']) {
    readiness.addCheck(service, () => discovery.cache.instances(service).length > 0);
  }
  const chaos = new ChaosController();
  const app = createApp({
    logger,
    readiness,
    chaos,
    bodyLimitBytes: config.service.bodyLimitBytes,
    deadlineMs: config.deadlineMs,
    rateLimit: config.rateLimit,
    upstreams: { users: users.client, orders: orders.client },
  });
  await serveUntilSignal({
    app,
    settings: config.service,
    logger,
    readiness,
    chaos,
    status: () => ({
      upstreams: [users.status(), orders.status()],
      rateLimit: { ...config.rateLimit, apiKeys: config.rateLimit.apiKeys.size },
      deadlineMs: config.deadlineMs,
    }),
    register: (ports) =>
      discovery.register(selfInstance(config.discovery, instanceIdentity(), ports)),
    afterDrain: [
      () => users.stop(),
      () => orders.stop(),
      () => discovery.stop(),
      () => dispatcher.close(),
    ],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
