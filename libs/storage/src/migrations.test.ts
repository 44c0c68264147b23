import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pendingMigrations, readMigrations } from './migrations';

const root = mkdtempSync(join(tmpdir(), 'migrations-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
function folder(files: Record<string, string>): string {
  const dir = join(root, String(dirs++));
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('readMigrations', () => {
  it('reads NNN_name.sql files in version order with a checksum of each', () => {
    const migrations = readMigrations(
      folder({ '010_later.sql': 'B', '002_first.sql': 'A', 'README.md': 'not SQL' }),
    );
    expect(migrations.map((m) => [m.version, m.name, m.sql])).toEqual([
      [2, '002_first', 'A'],
      [10, '010_later', 'B'],
    ]);
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations[0]?.checksum).not.toBe(migrations[1]?.checksum);
  });

  it('refuses a badly named file and a repeated version', () => {
    expect(() => readMigrations(folder({ 'init.sql': '' }))).toThrow(/NNN_name\.sql/);
    expect(() => readMigrations(folder({ '001_a.sql': '', '001_b.sql': '' }))).toThrow(
      /two migrations have version 1/,
    );
  });
});

describe('pendingMigrations', () => {
  const [first, second] = readMigrations(folder({ '001_a.sql': 'A', '002_b.sql': 'B' }));
  if (!first || !second) throw new Error('fixture');
  const recorded = (m: typeof first) => ({
    version: m.version,
    name: m.name,
    checksum: m.checksum,
  });

  it('answers the migrations not recorded yet, in order', () => {
    expect(pendingMigrations([first, second], [])).toEqual([first, second]);
    expect(pendingMigrations([first, second], [recorded(first)])).toEqual([second]);
    expect(pendingMigrations([first, second], [recorded(first), recorded(second)])).toEqual([]);
  });

  it('stops when a recorded migration was edited or removed since', () => {
    expect(() =>
      pendingMigrations([first, second], [{ ...recorded(first), checksum: 'other' }]),
    ).toThrow(/001_a was changed after it was applied/);
    expect(() => pendingMigrations([second], [recorded(first)])).toThrow(
      /001_a is recorded as applied but its file is missing/,
    );
  });
});
