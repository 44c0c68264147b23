import { Writable } from 'node:stream';
import { z } from 'zod';
import { parseConfig } from '../config';
import { createDispatcher } from '../upstream/http-transport';
import {
  createRegistry,
  discoveryEnvShape,
  toDiscoverySettings,
} from '../upstream/discovery-settings';
import type { ResilientUpstream } from '../upstream/resilient-upstream';
import { createUpstream, startDiscovery } from '../upstream/upstream-factory';
import { toUpstreamSettings, upstreamEnvShape } from '../upstream/upstream-settings';
import { createLogger } from '@mesh/telemetry';

export interface StaticUpstream {
  readonly client: ResilientUpstream;
  /** Stops the health checks and the instance cache and closes the connection pool. */
  close(): Promise<void>;
}

const silent = createLogger({
  level: 'error',
  stream: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
});

/**
 * The resilient upstream a service's main.ts wires, over a static registry that lists one
 * instance of `service` per URL (`<service>-1`, `<service>-2`, …). `env` sets upstream variables
 * without their prefix (`{ ATTEMPT_TIMEOUT_MS: '200' }`); the others keep their defaults.
 */
export async function staticUpstream(
  service: string,
  urls: readonly string[],
  env: Record<string, string> = {},
): Promise<StaticUpstream> {
  const instances = urls.map((url, index) => ({
    id: `${service}-${index + 1}`,
    service,
    url,
    adminUrl: url,
    version: 'test',
    weight: 1,
    zone: 'local',
    startedAt: '2025-01-01T00:00:00.000Z',
  }));
  const schema = z.object({
    HOST: z.string(),
    ...discoveryEnvShape,
    ...upstreamEnvShape('UPSTREAM'),
  });
  const parsed = parseConfig(schema, {
    HOST: '127.0.0.1',
    REGISTRY: 'static',
    STATIC_REGISTRY: JSON.stringify({ [service]: instances }),
    ...Object.fromEntries(Object.entries(env).map(([key, value]) => [`UPSTREAM_${key}`, value])),
  });
  const registry = createRegistry(toDiscoverySettings(parsed), () => undefined);
  const discovery = await startDiscovery(registry, [service], silent);
  const dispatcher = createDispatcher();
  const upstream = createUpstream(toUpstreamSettings(service, 'UPSTREAM', parsed), {
    cache: discovery.cache,
    dispatcher,
    logger: silent,
  });
  return {
    client: upstream.client,
    close: async () => {
      await upstream.stop();
      await discovery.stop();
      await dispatcher.close();
    },
  };
}
