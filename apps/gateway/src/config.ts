import type { z } from 'zod';
import { env, serviceEnvSchema, toServiceSettings } from '@mesh/service-kit';
import type { ServiceSettings } from '@mesh/service-kit';

/** Every variable the gateway reads; see the README's table. */
export const gatewayEnvSchema = serviceEnvSchema.extend({
  PORT: env.port(8080),
  /** Base URLs of the user-service instances, comma-separated. Required. */
  USER_SERVICE_URLS: env.urlList(),
  /** Base URLs of the order-service instances, comma-separated. Required. */
  ORDER_SERVICE_URLS: env.urlList(),
  /** Per-attempt timeout of an upstream call, ms. */
  UPSTREAM_TIMEOUT_MS: env.int(3000, 1, 600_000),
});

export interface GatewayConfig {
  service: ServiceSettings;
  upstreams: {
    users: { urls: readonly string[] };
    orders: { urls: readonly string[] };
  };
  upstreamTimeoutMs: number;
}

export function toGatewayConfig(e: z.infer<typeof gatewayEnvSchema>): GatewayConfig {
  return {
    service: toServiceSettings(e),
    upstreams: {
      users: { urls: e.USER_SERVICE_URLS },
      orders: { urls: e.ORDER_SERVICE_URLS },
    },
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
  };
}
