import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { requirePostgres, startPostgres } from './postgres-server';
import type { PostgresServer } from './postgres-server';

const postgres = requirePostgres();

/** Runs SQL with psql (next to the server binary) against a URL; resolves with the unaligned output. */
function psql(url: string, sql: string): Promise<string> {
  const binary = postgres?.replace(/postgres$/, 'psql') ?? 'psql';
  const file = existsSync(binary) ? binary : 'psql';
  return new Promise((resolve, reject) => {
    execFile(
      file,
      ['--no-psqlrc', '--tuples-only', '--no-align', '-v', 'ON_ERROR_STOP=1', '-c', sql, url],
      { timeout: 10_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim()),
    );
  });
}

describe.skipIf(postgres === undefined)('startPostgres', () => {
  let server: PostgresServer | undefined;
  afterEach(async () => {
    await server?.destroy();
    server = undefined;
  });

  it(
    'starts a real server on a loopback port with an empty database that stores rows',
    { timeout: 60_000 },
    async () => {
      server = await startPostgres();
      expect(server.url).toMatch(/^postgres:\/\/mesh:\w+@127\.0\.0\.1:\d+\/mesh$/);
      await psql(server.url, 'CREATE TABLE t (v text); INSERT INTO t VALUES ($$kept$$)');
      expect(await psql(server.url, 'SELECT v FROM t')).toBe('kept');
    },
  );

  it('refuses a wrong password over TCP', { timeout: 60_000 }, async () => {
    server = await startPostgres();
    const wrong = server.url.replace(/:\w+@/, ':not-the-password@');
    await expect(psql(wrong, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it(
    'after stop it refuses connections; start brings it back with its data',
    { timeout: 60_000 },
    async () => {
      server = await startPostgres();
      await psql(server.url, 'CREATE TABLE t AS SELECT 42 AS v');
      await server.stop();
      await expect(psql(server.url, 'SELECT 1')).rejects.toThrow();
      await server.start();
      expect(await psql(server.url, 'SELECT v FROM t')).toBe('42');
    },
  );

  it('after kill (a crash) start recovers the committed data', { timeout: 60_000 }, async () => {
    server = await startPostgres();
    await psql(server.url, 'CREATE TABLE t AS SELECT 7 AS v');
    await server.kill();
    await expect(psql(server.url, 'SELECT 1')).rejects.toThrow();
    await server.start();
    expect(await psql(server.url, 'SELECT v FROM t')).toBe('7');
  });

  it('creates further databases, each empty and apart', { timeout: 60_000 }, async () => {
    server = await startPostgres();
    const a = await server.createDatabase();
    const b = await server.createDatabase('named_one');
    expect(b).toMatch(/\/named_one$/);
    await psql(a, 'CREATE TABLE only_in_a (v int)');
    expect(await psql(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")).toBe('0');
  });

  it('destroy stops it and removes its temporary directory', { timeout: 60_000 }, async () => {
    const destroyed = await startPostgres();
    await destroyed.destroy();
    await expect(psql(destroyed.url, 'SELECT 1')).rejects.toThrow();
    expect(existsSync(destroyed.dir)).toBe(false);
  });
});
