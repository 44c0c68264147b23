import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailableError } from '@mesh/storage';
import { describeUserRepositoryContract } from '../../test/contracts/user-repository-contract';
import { SqliteUserRepository } from './sqlite-user-repository';
import { isDuplicateEmailError } from './user-repository';

const dir = mkdtempSync(join(tmpdir(), 'user-repo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const freshPath = () => join(dir, `${randomUUID()}.db`);

describeUserRepositoryContract('SQLite file', async () =>
  SqliteUserRepository.open({ path: freshPath() }),
);

describe('SqliteUserRepository', () => {
  const user = (email: string) => ({
    id: randomUUID(),
    name: 'Ada',
    email,
    createdAt: new Date().toISOString(),
  });

  it('creates the parent directory and opens the file in WAL mode', async () => {
    const path = join(dir, 'nested', 'deeper', 'users.db');
    const repo = SqliteUserRepository.open({ path });
    await repo.close();
    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('two repositories on one file (two connections) see each other’s writes and share the email rule', async () => {
    const path = freshPath();
    const a = SqliteUserRepository.open({ path });
    const b = SqliteUserRepository.open({ path });
    try {
      const fromA = user('shared@example.com');
      await a.insert(fromA);
      expect(await b.findById(fromA.id)).toEqual(fromA);

      const fromB = user('other@example.com');
      await b.insert(fromB);
      expect((await a.list({ limit: 10 })).items.map((u) => u.id)).toEqual([fromA.id, fromB.id]);

      const duplicate = await b.insert(user('shared@example.com')).catch((e: unknown) => e);
      expect(isDuplicateEmailError(duplicate)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps its users across a close and a reopen', async () => {
    const path = freshPath();
    const first = SqliteUserRepository.open({ path });
    const stored = user('kept@example.com');
    await first.insert(stored);
    await first.close();
    const reopened = SqliteUserRepository.open({ path });
    expect(await reopened.findById(stored.id)).toEqual(stored);
    await reopened.close();
  });

  it('once closed, rejects calls as database unavailable and fails its ping', async () => {
    const repo = SqliteUserRepository.open({ path: freshPath() });
    await repo.close();
    const error = await repo.findById(randomUUID()).catch((e: unknown) => e);
    expect(isDatabaseUnavailableError(error)).toBe(true);
    await expect(repo.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
  });
});
