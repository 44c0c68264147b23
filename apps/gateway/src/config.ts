import { z } from 'zod';
import {
  discoveryEnvShape,
  env,
  requireRegistrySource,
  serviceEnvSchema,
  toDiscoverySettings,
  toServiceSettings,
  toUpstreamSettings,
  upstreamEnvShape,
} from '@mesh/service-kit';
import type { DiscoverySettings, ServiceSettings, UpstreamSettings } from '@mesh/service-kit';
import type { RateLimitSettings } from './rate-limit';

/** Every variable the gateway reads; the README's tables list them with their defaults. */
export const gatewayEnvSchema = serviceEnvSchema
  .extend({
    PORT: env.port(8080),
    ...discoveryEnvShape,
    ...upstreamEnvShape('USER_SERVICE'),
    ...upstreamEnvShape('ORDER_SERVICE'),
    /** Total time a request may take, retries included, ms. */
    GATEWAY_DEADLINE_MS: env.int(10_000, 1, 600_000),
    RATE_LIMIT_POLICY: z.enum(['token-bucket', 'leaky-bucket', 'off']).default('token-bucket'),
    RATE_LIMIT_RPS: env.number(100, 0.001, 1_000_000),
    RATE_LIMIT_BURST: env.int(200, 1, 1_000_000),
    RATE_LIMIT_QUEUE_SIZE: env.int(100, 0, 100_000),
    /** API keys that identify clients (`X-Api-Key`), comma-separated. */
    RATE_LIMIT_API_KEYS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    RATE_LIMIT_MAX_CLIENTS: env.int(10_000, 1, 10_000_000),
    RATE_LIMIT_IDLE_MS: env.int(60_000, 1, 86_400_000),
  })
  .superRefine(requireRegistrySource(['user-service', 'order-service']));

export interface GatewayConfig {
  service: ServiceSettings;
  discovery: DiscoverySettings;
  upstreams: { users: UpstreamSettings; orders: UpstreamSettings };
  deadlineMs: number;
  rateLimit: RateLimitSettings;
}

export function toGatewayConfig(e: z.infer<typeof gatewayEnvSchema>): GatewayConfig {
  return {
    service: toServiceSettings(e),
    discovery: toDiscoverySettings(e),
    upstreams: {
      users: toUpstreamSettings('user-service', 'USER_SERVICE', e),
      orders: toUpstreamSettings('order-service', 'ORDER_SERVICE', e),
    },
    deadlineMs: e.GATEWAY_DEADLINE_MS,
    rateLimit: {
      policy: e.RATE_LIMIT_POLICY,
      ratePerSecond: e.RATE_LIMIT_RPS,
      burst: e.RATE_LIMIT_BURST,
      queueSize: e.RATE_LIMIT_QUEUE_SIZE,
      apiKeys: new Set(e.RATE_LIMIT_API_KEYS),
      maxClients: e.RATE_LIMIT_MAX_CLIENTS,
      idleTtlMs: e.RATE_LIMIT_IDLE_MS,
    },
  };
}
