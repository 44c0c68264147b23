import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migration } from '../test/migration';
import { migrateSqlite } from './sqlite-migrate';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// IF NOT EXISTS, as a service's first migration is written to adopt a file made before migrations.
const migrations = [
  migration(
    1,
    'init',
    'CREATE TABLE IF NOT EXISTS items (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);',
  ),
  migration(2, 'index', 'CREATE INDEX items_by_name ON items (name);'),
];

describe('migrateSqlite', () => {
  it('applies the migrations once per file, whichever connection comes first', () => {
    const path = join(dir, `${randomUUID()}.db`);
    const a = new Database(path);
    const b = new Database(path);
    try {
      expect(migrateSqlite(a, migrations)).toEqual(['001_init', '002_index']);
      expect(migrateSqlite(b, migrations)).toEqual([]);
      const recorded = b.prepare('SELECT name FROM schema_migrations ORDER BY version').all();
      expect(recorded).toEqual([{ name: '001_init' }, { name: '002_index' }]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('applies only the new migrations on a later start', () => {
    const db = new Database(':memory:');
    try {
      expect(migrateSqlite(db, migrations.slice(0, 1))).toEqual(['001_init']);
      expect(migrateSqlite(db, migrations)).toEqual(['002_index']);
    } finally {
      db.close();
    }
  });

  it('adopts a file created before migrations were recorded, keeping its rows', () => {
    const db = new Database(join(dir, `${randomUUID()}.db`));
    try {
      db.exec('CREATE TABLE items (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)');
      db.exec(`INSERT INTO items (name) VALUES ('kept')`);
      migrateSqlite(db, migrations);
      expect(db.prepare('SELECT name FROM items').all()).toEqual([{ name: 'kept' }]);
      expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
        n: migrations.length,
      });
    } finally {
      db.close();
    }
  });

  it('rolls a failing migration back whole: no table, no record', () => {
    const db = new Database(':memory:');
    try {
      const broken = migration(
        1,
        'broken',
        'CREATE TABLE t (v INTEGER); INSERT INTO nowhere VALUES (1);',
      );
      expect(() => migrateSqlite(db, [broken])).toThrow(/no such table: nowhere/);
      expect(
        db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all(),
      ).toEqual([{ name: 'schema_migrations' }]);
      expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
