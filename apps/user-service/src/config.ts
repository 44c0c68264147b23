import { z } from 'zod';
import {
  discoveryEnvShape,
  env,
  requireRegistrySource,
  serviceEnvSchema,
  toDiscoverySettings,
  toServiceSettings,
} from '@mesh/service-kit';
import type { DiscoverySettings, ServiceSettings } from '@mesh/service-kit';

/** The environment user-service reads, keyed by variable name (see README.md for the table). */
export const userServiceEnvSchema = serviceEnvSchema
  .extend({
    DATABASE_PATH: z.string().trim().min(1).default('./data/users.db'),
    SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 600_000),
    ...discoveryEnvShape,
  })
  .superRefine(requireRegistrySource([]));

export type UserServiceEnv = z.infer<typeof userServiceEnvSchema>;

export interface UserServiceConfig extends ServiceSettings {
  /** SQLite file; its parent directory is created at start-up. Default `./data/users.db`. */
  databasePath: string;
  /** How long a write waits for another connection's lock before failing, in ms. Default 5000. */
  sqliteBusyTimeoutMs: number;
  /** Where this instance registers itself. */
  discovery: DiscoverySettings;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: UserServiceEnv): Readonly<UserServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    databasePath: e.DATABASE_PATH,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
    discovery: toDiscoverySettings(e),
  });
}
