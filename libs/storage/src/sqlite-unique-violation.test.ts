import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isSqliteUniqueViolation } from './sqlite-unique-violation';

const db = new Database(':memory:');
afterAll(() => db.close());
db.exec('CREATE TABLE people (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, nick TEXT UNIQUE)');
db.exec(`INSERT INTO people VALUES ('1', 'a@b.co', 'ada')`);

function errorOf(sql: string): unknown {
  try {
    db.exec(sql);
  } catch (error) {
    return error;
  }
  throw new Error(`no error from ${sql}`);
}

describe('isSqliteUniqueViolation', () => {
  it('recognises the UNIQUE constraint of the column named, and only that one', () => {
    const email = errorOf(`INSERT INTO people VALUES ('2', 'a@b.co', 'bob')`);
    expect(isSqliteUniqueViolation(email, 'people', 'email')).toBe(true);
    expect(isSqliteUniqueViolation(email, 'people', 'nick')).toBe(false);
    expect(isSqliteUniqueViolation(email, 'others', 'email')).toBe(false);
  });

  it('is false for other constraints and other errors', () => {
    expect(
      isSqliteUniqueViolation(
        errorOf(`INSERT INTO people VALUES ('3', NULL, 'x')`),
        'people',
        'email',
      ),
    ).toBe(false);
    expect(isSqliteUniqueViolation(new Error('people.email'), 'people', 'email')).toBe(false);
  });
});
