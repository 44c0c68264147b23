import { hostname } from 'node:os';
import { z } from 'zod';
import { EtcdRegistry, StaticRegistry } from '@mesh/discovery';
import type {
  Registry,
  RegistryEvent,
  ServiceInstance,
  StaticRegistryConfig,
} from '@mesh/discovery';
import { env } from '../config';

/** A JSON value in an env var, parsed (or reported) by zod. */
const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
});

/** Env vars that choose and configure the registry (every service has them). */
export const discoveryEnvShape = {
  /** `static` (the launcher's list, default) or `etcd`. */
  REGISTRY: z.enum(['static', 'etcd']).default('static'),
  /** etcd client URLs, comma-separated; required when REGISTRY=etcd. */
  ETCD_ENDPOINTS: env.urlList().optional(),
  /** Lease TTL of this instance's registration, s. */
  ETCD_LEASE_TTL_SECONDS: env.int(10, 2, 3600),
  /** The static registry: JSON `{ "<service>": [ServiceInstance, …] }` (the launcher writes it). */
  STATIC_REGISTRY: jsonText.pipe(z.record(z.string(), z.array(z.unknown()))).default({}),
  /** Host name other instances reach this one at. Default: HOST, or the machine's host name when HOST is 0.0.0.0. */
  ADVERTISE_HOST: z.string().min(1).optional(),
  /** This instance's share of traffic for weighted balancing. */
  INSTANCE_WEIGHT: env.int(1, 0, 1000),
  /** This instance's failure domain. */
  INSTANCE_ZONE: z.string().min(1).default('local'),
};

export interface DiscoverySettings {
  registry: 'static' | 'etcd';
  etcdEndpoints: readonly string[];
  leaseTtlSeconds: number;
  staticRegistry: StaticRegistryConfig;
  advertiseHost: string;
  weight: number;
  zone: string;
}

interface DiscoveryEnv {
  REGISTRY: 'static' | 'etcd';
  ETCD_ENDPOINTS?: string[] | undefined;
  ETCD_LEASE_TTL_SECONDS: number;
  STATIC_REGISTRY: Record<string, unknown[]>;
  ADVERTISE_HOST?: string | undefined;
  INSTANCE_WEIGHT: number;
  INSTANCE_ZONE: string;
  HOST: string;
}

/**
 * A zod refinement for a schema that holds {@link discoveryEnvShape}: no silent default address.
 * etcd needs endpoints; the static registry must list every service this process calls.
 */
export function requireRegistrySource(upstreams: readonly string[]) {
  return (
    e: { REGISTRY: string; ETCD_ENDPOINTS?: unknown; STATIC_REGISTRY: Record<string, unknown[]> },
    ctx: z.RefinementCtx,
  ): void => {
    if (e.REGISTRY === 'etcd') {
      if (e.ETCD_ENDPOINTS === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ETCD_ENDPOINTS'],
          message: 'required when REGISTRY=etcd',
        });
      }
      return;
    }
    const missing = upstreams.filter((service) => (e.STATIC_REGISTRY[service]?.length ?? 0) === 0);
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['STATIC_REGISTRY'],
        message: `must list instances of ${missing.join(', ')} when REGISTRY=static`,
      });
    }
  };
}

export function toDiscoverySettings(e: DiscoveryEnv): DiscoverySettings {
  const wildcard = e.HOST === '0.0.0.0' || e.HOST === '::';
  return {
    registry: e.REGISTRY,
    etcdEndpoints: e.ETCD_ENDPOINTS ?? [],
    leaseTtlSeconds: e.ETCD_LEASE_TTL_SECONDS,
    staticRegistry: e.STATIC_REGISTRY as unknown as StaticRegistryConfig,
    advertiseHost: e.ADVERTISE_HOST ?? (wildcard ? hostname() : e.HOST),
    weight: e.INSTANCE_WEIGHT,
    zone: e.INSTANCE_ZONE,
  };
}

/** Builds the configured registry; a bad static list throws listing every bad entry. */
export function createRegistry(
  settings: DiscoverySettings,
  onEvent: (event: RegistryEvent) => void,
): Registry {
  if (settings.registry === 'etcd') {
    return new EtcdRegistry({
      endpoints: settings.etcdEndpoints,
      leaseTtlSeconds: settings.leaseTtlSeconds,
      onEvent,
    });
  }
  return new StaticRegistry(settings.staticRegistry, { onEvent });
}

/** The registry entry of this process. */
export function selfInstance(
  settings: DiscoverySettings,
  identity: { service: string; instanceId: string; version: string },
  ports: { api: number; admin: number },
): ServiceInstance {
  return {
    id: identity.instanceId,
    service: identity.service,
    url: `http://${settings.advertiseHost}:${ports.api}`,
    adminUrl: `http://${settings.advertiseHost}:${ports.admin}`,
    version: identity.version,
    weight: settings.weight,
    zone: settings.zone,
    startedAt: new Date().toISOString(),
  };
}
