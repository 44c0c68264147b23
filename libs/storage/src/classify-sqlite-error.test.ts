import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { classifySqliteError } from './classify-sqlite-error';
import { isDatabaseUnavailableError } from './database-unavailable-error';

const dir = mkdtempSync(join(tmpdir(), 'classify-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('classifySqliteError', () => {
  it('takes a write refused past the busy timeout for an unavailable database', () => {
    const path = join(dir, 'busy.db');
    const holder = new Database(path);
    const waiter = new Database(path, { timeout: 0 });
    try {
      holder.exec('CREATE TABLE t (v INTEGER)');
      holder.exec('BEGIN IMMEDIATE');
      const busy = thrownBy(() => waiter.exec('INSERT INTO t VALUES (1)'));
      const classified = classifySqliteError(busy);
      expect(isDatabaseUnavailableError(classified)).toBe(true);
      expect((classified as Error).message).toBe('database unavailable (SQLITE_BUSY)');
      expect((classified as Error).cause).toBe(busy);
    } finally {
      holder.close();
      waiter.close();
    }
  });

  it('takes a call on a closed database for an unavailable database', () => {
    const db = new Database(':memory:');
    db.close();
    const closed = thrownBy(() => db.prepare('SELECT 1'));
    expect(isDatabaseUnavailableError(classifySqliteError(closed))).toBe(true);
  });

  it('leaves a constraint violation, a syntax error and anything else as it is', () => {
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE t (v INTEGER NOT NULL UNIQUE)');
      db.exec('INSERT INTO t VALUES (1)');
      const duplicate = thrownBy(() => db.exec('INSERT INTO t VALUES (1)'));
      const syntax = thrownBy(() => db.exec('SELEC 1'));
      const bug = new TypeError('undefined is not a function');
      for (const error of [duplicate, syntax, bug, 'text']) {
        expect(classifySqliteError(error)).toBe(error);
      }
    } finally {
      db.close();
    }
  });
});
