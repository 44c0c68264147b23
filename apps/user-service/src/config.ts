import type { z } from 'zod';
import {
  discoveryEnvShape,
  requireRegistrySource,
  serviceEnvSchema,
  toDiscoverySettings,
  toServiceSettings,
} from '@mesh/service-kit';
import type { DiscoverySettings, ServiceSettings } from '@mesh/service-kit';
import { storageEnvShape, toStoreSettings } from '@mesh/storage';
import type { StoreSettings } from '@mesh/storage';

/** The environment user-service reads, keyed by variable name (see README.md for the table). */
export const userServiceEnvSchema = serviceEnvSchema
  .extend({
    ...storageEnvShape({ databasePath: './data/users.db', schema: 'user_service' }),
    ...discoveryEnvShape,
  })
  .superRefine(requireRegistrySource([]));

export type UserServiceEnv = z.infer<typeof userServiceEnvSchema>;

export interface UserServiceConfig extends ServiceSettings {
  /**
   * PostgreSQL when `DATABASE_URL` is set (schema `user_service` by default), else the SQLite file
   * `DATABASE_PATH` (default `./data/users.db`).
   */
  store: StoreSettings;
  /** Where this instance registers itself. */
  discovery: DiscoverySettings;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: UserServiceEnv): Readonly<UserServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    store: toStoreSettings(e, 'user-service'),
    discovery: toDiscoverySettings(e),
  });
}
