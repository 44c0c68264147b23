import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isDatabaseUnavailableError } from '@mesh/storage';
import type { PostgresOptions } from '@mesh/storage';
import { requirePostgres, startPostgres } from '@mesh/testing';
import type { PostgresServer } from '@mesh/testing';
import { describeUserRepositoryContract } from '../../test/contracts/user-repository-contract';
import { PgUserRepository } from './pg-user-repository';
import { isDuplicateEmailError } from './user-repository';

describe.skipIf(requirePostgres() === undefined)('on a real PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  /** Every repository gets a schema of its own: an empty store without a new database. */
  const options = (overrides: Partial<PostgresOptions> = {}): PostgresOptions => ({
    url: server.url,
    schema: `users_${randomBytes(6).toString('hex')}`,
    ...overrides,
  });
  const user = (email: string) => ({
    id: randomUUID(),
    name: 'Ada',
    email,
    createdAt: new Date().toISOString(),
  });

  describeUserRepositoryContract('PostgreSQL', () => PgUserRepository.open(options()));

  describe('PgUserRepository', () => {
    it('two instances on one schema (two pools) see each other’s writes and share the email rule', async () => {
      const shared = options();
      const [a, b] = await Promise.all([
        PgUserRepository.open(shared),
        PgUserRepository.open(shared),
      ]);
      try {
        const fromA = user('shared@example.com');
        await a.insert(fromA);
        expect(await b.findById(fromA.id)).toEqual(fromA);
        const duplicate = await b.insert(user('shared@example.com')).catch((e: unknown) => e);
        expect(isDuplicateEmailError(duplicate)).toBe(true);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('shows where it stores and how busy its pool is, never the password', async () => {
      const repo = await PgUserRepository.open(options({ poolSize: 3 }));
      try {
        const status = repo.status();
        expect(status).toMatchObject({
          kind: 'postgresql',
          host: '127.0.0.1',
          database: 'mesh',
          pool: { max: 3 },
        });
        expect(JSON.stringify(status)).not.toContain(new URL(server.url).password);
      } finally {
        await repo.close();
      }
    });

    it('answers a statement cancelled by the statement timeout as database unavailable', async () => {
      const shared = options({ statementTimeoutMs: 200 });
      const repo = await PgUserRepository.open(shared);
      const locker = new Client({ connectionString: server.url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${shared.schema}.users IN ACCESS EXCLUSIVE MODE`);
        const error = await repo.findById(randomUUID()).catch((e: unknown) => e);
        expect(isDatabaseUnavailableError(error)).toBe(true);
        expect(String((error as Error).cause)).toMatch(/statement timeout/);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
        await repo.close();
      }
    });

    it(
      'while the server is down it rejects calls and its ping as database unavailable, ' +
        'reports the lost idle connections instead of crashing, and recovers by itself',
      { timeout: 60_000 },
      async () => {
        const onIdleClientError = vi.fn();
        const repo = await PgUserRepository.open(options({ onIdleClientError }));
        try {
          const stored = user('before@example.com');
          await repo.insert(stored);
          await server.stop();
          try {
            await expect(repo.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
            await expect(repo.findById(stored.id)).rejects.toSatisfy(isDatabaseUnavailableError);
            await expect(repo.insert(user('during@example.com'))).rejects.toSatisfy(
              isDatabaseUnavailableError,
            );
            expect(onIdleClientError).toHaveBeenCalled();
          } finally {
            await server.start();
          }
          expect(await repo.ping()).toBe(true);
          expect(await repo.findById(stored.id)).toEqual(stored);
          expect((await repo.list({ limit: 10 })).items).toEqual([stored]);
        } finally {
          await repo.close();
        }
      },
    );

    it('once closed, rejects calls as database unavailable', async () => {
      const repo = await PgUserRepository.open(options());
      await repo.close();
      await repo.close();
      await expect(repo.findById(randomUUID())).rejects.toSatisfy(isDatabaseUnavailableError);
      await expect(repo.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
    });

    it('fails to open with database unavailable when nothing listens at the URL', async () => {
      const url = new URL(server.url);
      url.port = '1';
      const error = await PgUserRepository.open(options({ url: url.toString() })).catch(
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailableError(error)).toBe(true);
    });
  });
});
