import { afterAll, beforeAll } from 'vitest';
import { startPostgres } from '@mesh/testing';
import type { PostgresServer } from '@mesh/testing';

/**
 * Starts a real PostgreSQL before the tests of the enclosing `describe` and destroys it after
 * them. The answer gives the server, from inside a hook or a test.
 */
export function postgresForSuite(): () => PostgresServer {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });
  return () => {
    if (!server) throw new Error('PostgreSQL did not start');
    return server;
  };
}
