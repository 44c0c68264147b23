import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsDir, readMigrations } from './migrations';
import { migrateSqlite } from './sqlite-migrate';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const migrations = readMigrations(migrationsDir('sqlite'));

describe('migrateSqlite', () => {
  it('applies the migrations once per file, whichever connection comes first', () => {
    const path = join(dir, `${randomUUID()}.db`);
    const a = new Database(path);
    const b = new Database(path);
    try {
      expect(migrateSqlite(a, migrations)).toEqual(migrations.map((m) => m.name));
      expect(migrateSqlite(b, migrations)).toEqual([]);
      const recorded = b.prepare('SELECT name FROM schema_migrations ORDER BY version').all();
      expect(recorded).toEqual(migrations.map((m) => ({ name: m.name })));
    } finally {
      a.close();
      b.close();
    }
  });

  it('adopts a file created before migrations were recorded, keeping its orders', () => {
    const db = new Database(join(dir, `${randomUUID()}.db`));
    try {
      // The orders table as it was before migrations, idempotency columns included.
      db.exec(`CREATE TABLE orders (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
        total INTEGER NOT NULL CHECK (total >= 0), created_at TEXT NOT NULL,
        idempotency_key TEXT UNIQUE, request_hash TEXT,
        CHECK ((idempotency_key IS NULL) = (request_hash IS NULL)))`);
      db.exec(`INSERT INTO orders (id, user_id, total, created_at) VALUES ('o1', 'u1', 5, 'now')`);
      migrateSqlite(db, migrations);
      expect(db.prepare('SELECT id FROM orders').all()).toEqual([{ id: 'o1' }]);
      expect(db.prepare('SELECT count(*) AS n FROM idempotency_keys').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
        n: migrations.length,
      });
    } finally {
      db.close();
    }
  });
});
