import { z } from 'zod';
import { env, serviceEnvSchema, toServiceSettings } from '@mesh/service-kit';
import type { ServiceSettings } from '@mesh/service-kit';

/** The environment user-service reads, keyed by variable name (see README.md for the table). */
export const userServiceEnvSchema = serviceEnvSchema.extend({
  DATABASE_PATH: z.string().trim().min(1).default('./data/users.db'),
  SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 600_000),
});

export type UserServiceEnv = z.infer<typeof userServiceEnvSchema>;

export interface UserServiceConfig extends ServiceSettings {
  /** SQLite file; its parent directory is created at start-up. Default `./data/users.db`. */
  databasePath: string;
  /** How long a write waits for another connection's lock before failing, in ms. Default 5000. */
  sqliteBusyTimeoutMs: number;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: UserServiceEnv): Readonly<UserServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    databasePath: e.DATABASE_PATH,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
  });
}
