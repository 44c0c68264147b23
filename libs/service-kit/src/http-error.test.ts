import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, isErrorCode } from './error-codes';
import { toHttpError } from './error-handler';
import { HttpError, hasErrorCode, isHttpError } from './http-error';

describe('error taxonomy', () => {
  it('takes the status from the code table', () => {
    expect(new HttpError('idempotency_key_reused', 'x').status).toBe(409);
    expect(new HttpError('deadline_exceeded', 'x').status).toBe(504);
  });

  it('guards tell HttpErrors and codes apart', () => {
    const error = new HttpError('not_found', 'x');
    expect(isHttpError(error)).toBe(true);
    expect(isHttpError(new Error('x'))).toBe(false);
    expect(hasErrorCode(error, 'not_found')).toBe(true);
    expect(hasErrorCode(error, 'conflict')).toBe(false);
    expect(isErrorCode('circuit_open')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('maps an error of another layer by its stable code, with Retry-After from retryAfterMs', () => {
    const breakerOpen = Object.assign(new Error('breaker open'), {
      code: 'circuit_open',
      retryAfterMs: 2500,
    });
    const mapped = toHttpError(breakerOpen);
    expect(mapped.status).toBe(ERROR_STATUS.circuit_open);
    expect(mapped.retryAfterSeconds).toBe(3);
  });

  it('maps an unknown error to a 500 internal_error', () => {
    expect(toHttpError(new TypeError('x')).code).toBe('internal_error');
    expect(toHttpError('a string').code).toBe('internal_error');
  });
});
