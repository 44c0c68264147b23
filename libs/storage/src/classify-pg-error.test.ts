import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailableError } from './database-unavailable-error';
import { classifyPgError } from './classify-pg-error';

function sqlError(code: string): DatabaseError {
  const error = new DatabaseError('from the server', 0, 'error');
  error.code = code;
  return error;
}

describe('classifyPgError', () => {
  it.each([
    ['08006', 'connection failure'],
    ['53300', 'too many connections'],
    ['57014', 'statement timeout'],
    ['57P01', 'administrator shutdown'],
    ['57P03', 'starting up or shutting down'],
    ['58030', 'I/O error'],
  ])('takes SQLSTATE %s (%s) for an unavailable database', (code) => {
    expect(isDatabaseUnavailableError(classifyPgError(sqlError(code)))).toBe(true);
  });

  it.each([
    ['23505', 'unique violation'],
    ['23514', 'check violation'],
    ['42P01', 'undefined table'],
    ['40P01', 'deadlock'],
  ])('leaves SQLSTATE %s (%s) as it is: the statement, not the database', (code) => {
    const error = sqlError(code);
    expect(classifyPgError(error)).toBe(error);
  });

  it('takes a refused or reset socket and pg’s lost-connection messages for unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    for (const error of [
      refused,
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('Cannot use a pool after calling end on the pool'),
    ]) {
      const classified = classifyPgError(error);
      expect(isDatabaseUnavailableError(classified)).toBe(true);
      expect((classified as Error).cause).toBe(error);
    }
  });

  it('leaves any other error, and anything not an error, as it is', () => {
    const bug = new TypeError('undefined is not a function');
    expect(classifyPgError(bug)).toBe(bug);
    expect(classifyPgError('text')).toBe('text');
  });
});
