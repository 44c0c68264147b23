import { describe, expect, it } from 'vitest';
import { expandKeys, ExpandKeysError, valueAtPath } from './expand-keys';

describe('expandKeys (Filebeat ndjson expand_keys)', () => {
  it('turns dotted keys into nested objects and merges them with the nested ones', () => {
    const line = {
      '@timestamp': '2026-01-01T00:00:00.000Z',
      'log.level': 'info',
      'service.name': 'gateway',
      'service.instance.id': 'gateway-1',
      http: { request: { method: 'GET' }, 'response.status_code': 200 },
      'http.request.id': 'r-1',
    };
    expect(expandKeys(line)).toEqual({
      '@timestamp': '2026-01-01T00:00:00.000Z',
      log: { level: 'info' },
      service: { name: 'gateway', instance: { id: 'gateway-1' } },
      http: { request: { method: 'GET', id: 'r-1' }, response: { status_code: 200 } },
    });
  });

  it('merges an object under a dotted key into the object already there, in any key order', () => {
    const expected = { mesh: { event: { type: 'registered' }, deadline_ms: 5 } };
    expect(expandKeys({ 'mesh.event': { type: 'registered' }, mesh: { deadline_ms: 5 } })).toEqual(
      expected,
    );
    expect(expandKeys({ mesh: { deadline_ms: 5 }, 'mesh.event': { type: 'registered' } })).toEqual(
      expected,
    );
  });

  it('leaves the input unchanged', () => {
    const line = { 'trace.id': 'abc', trace: {} };
    expandKeys(line);
    expect(line).toEqual({ 'trace.id': 'abc', trace: {} });
  });

  it('fails a line where a dotted key meets a value already there, even an equal one', () => {
    expect(() =>
      expandKeys({ error: { code: 'upstream_unavailable' }, 'error.code': 'upstream_unavailable' }),
    ).toThrow(ExpandKeysError);
    expect(() =>
      expandKeys({ event: { dataset: 'http.access' }, 'event.dataset': 'gateway' }),
    ).toThrow(/cannot expand "event.dataset"/);
  });

  it('fails a line where a dotted key has to go through a non-object', () => {
    expect(() => expandKeys({ service: 'gateway', 'service.name': 'gateway' })).toThrow(
      /"service" already holds a non-object value/,
    );
  });

  it('fails a line where two merged objects hold the same plain value', () => {
    expect(() => expandKeys({ 'a.b': { c: 1 }, a: { b: { c: 2 } } })).toThrow(ExpandKeysError);
  });

  it('reads a dotted path of an expanded line', () => {
    const expanded = expandKeys({ 'trace.id': 'abc', http: { 'response.status_code': 500 } });
    expect(valueAtPath(expanded, 'trace.id')).toBe('abc');
    expect(valueAtPath(expanded, 'http.response.status_code')).toBe(500);
    expect(valueAtPath(expanded, 'http.route')).toBeUndefined();
    expect(valueAtPath(expanded, 'trace.id.x')).toBeUndefined();
  });
});
