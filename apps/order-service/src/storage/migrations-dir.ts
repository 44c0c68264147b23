import { join } from 'node:path';
import type { SqlDialect } from '@mesh/storage';

/**
 * `migrations/<dialect>` of order-service, found from this file whether it runs from `src/storage`
 * (tests) or `dist/storage` (the build): both are two levels below the service's folder.
 */
export function migrationsDir(dialect: SqlDialect): string {
  return join(__dirname, '..', '..', 'migrations', dialect);
}
