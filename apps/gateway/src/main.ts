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
import { gatewayEnvSchema, toGatewayConfig } from './config';

async function main(): Promise<void> {
  const config = toGatewayConfig(loadConfigOrExit(gatewayEnvSchema, process.env));
  const logger = createLogger({ level: config.service.logLevel });
  const dispatcher = createDispatcher();
  const upstream = (service: string, urls: readonly string[]) =>
    new UpstreamClient({ service, urls, attemptTimeoutMs: config.upstreamTimeoutMs, dispatcher });
  const readiness = new Readiness();
  const chaos = new ChaosController();
  const app = createApp({
    logger,
    readiness,
    chaos,
    bodyLimitBytes: config.service.bodyLimitBytes,
    upstreams: {
      users: upstream('user-service', config.upstreams.users.urls),
      orders: upstream('order-service', config.upstreams.orders.urls),
    },
  });
  await serveUntilSignal({
    app,
    settings: config.service,
    logger,
    readiness,
    chaos,
    afterDrain: [() => dispatcher.close()],
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
