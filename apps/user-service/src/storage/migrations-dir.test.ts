import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateSqlite, readMigrations } from '@mesh/storage';
import { describeMigrationsContract } from '@mesh/storage/testing';
import { migrationsDir } from './migrations-dir';

describeMigrationsContract('user-service', migrationsDir);

describe('user-service SQLite migrations', () => {
  it('adopt a file created before migrations were recorded, keeping its users', () => {
    const db = new Database(':memory:');
    try {
      db.exec(`CREATE TABLE users (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`);
      db.exec(
        `INSERT INTO users (id, name, email, created_at) VALUES ('u1', 'Ada', 'a@b.co', 'now')`,
      );
      const migrations = readMigrations(migrationsDir('sqlite'));
      migrateSqlite(db, migrations);
      expect(db.prepare('SELECT name FROM users').all()).toEqual([{ name: 'Ada' }]);
      expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
        n: migrations.length,
      });
    } finally {
      db.close();
    }
  });
});
