import { join } from 'node:path';
import { describeMigrationsContract } from './migrations-contract';

describeMigrationsContract('a service whose two dialects agree', (dialect) =>
  join(__dirname, '..', '..', 'test', 'fixtures', 'migrations', dialect),
);
