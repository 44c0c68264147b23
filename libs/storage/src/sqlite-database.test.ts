import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteDatabase } from './sqlite-database';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-database-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openSqliteDatabase', () => {
  it('creates the file and its parent directories when missing', () => {
    const path = join(dir, 'nested', 'deeper', `${randomUUID()}.db`);
    openSqliteDatabase({ path }).close();
    expect(existsSync(path)).toBe(true);
  });

  it('opens in WAL mode with foreign keys on and the busy timeout asked for', () => {
    const db = openSqliteDatabase({ path: join(dir, `${randomUUID()}.db`), busyTimeoutMs: 1234 });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    } finally {
      db.close();
    }
  });

  it('waits 5000 ms for a lock by default', () => {
    const db = openSqliteDatabase({ path: join(dir, `${randomUUID()}.db`) });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('opens an in-memory database without touching the disk', () => {
    const db = openSqliteDatabase({ path: ':memory:' });
    expect(db.memory).toBe(true);
    expect(existsSync(':memory:')).toBe(false);
    db.close();
  });
});
