import { createHash } from 'node:crypto';
import type { Migration } from '../src/migrations';

/** A migration as `readMigrations` would read it from the file `NNN_<name>.sql` holding `sql`. */
export function migration(version: number, name: string, sql: string): Migration {
  return {
    version,
    name: `${String(version).padStart(3, '0')}_${name}`,
    sql,
    checksum: createHash('sha256').update(sql).digest('hex'),
  };
}
