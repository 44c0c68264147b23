import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateSqlite, readMigrations } from '@mesh/storage';
import { describeMigrationsContract } from '@mesh/storage/testing';
import { migrationsDir } from './migrations-dir';

describeMigrationsContract('order-service', migrationsDir);

describe('order-service SQLite migrations', () => {
  it('adopt a file created before migrations were recorded, keeping its orders', () => {
    const db = new Database(':memory:');
    try {
      // The orders table as it was before migrations, idempotency columns included.
      db.exec(`CREATE TABLE orders (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
        total INTEGER NOT NULL CHECK (total >= 0), created_at TEXT NOT NULL,
        idempotency_key TEXT UNIQUE, request_hash TEXT,
        CHECK ((idempotency_key IS NULL) = (request_hash IS NULL)))`);
      db.exec(`INSERT INTO orders (id, user_id, total, created_at) VALUES ('o1', 'u1', 5, 'now')`);
      migrateSqlite(db, readMigrations(migrationsDir('sqlite')));
      expect(db.prepare('SELECT id FROM orders').all()).toEqual([{ id: 'o1' }]);
      expect(db.prepare('SELECT count(*) AS n FROM idempotency_keys').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
