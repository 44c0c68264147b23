import { describe, expect, it } from 'vitest';
import { parseServiceInstance, serviceInstanceSchema } from './service-instance';
import type { ServiceInstance } from './service-instance';

const valid: ServiceInstance = {
  id: 'user-service-3001',
  service: 'user-service',
  url: 'http://127.0.0.1:3001',
  adminUrl: 'http://127.0.0.1:9465',
  version: '0.1.0',
  weight: 1,
  zone: 'local',
  startedAt: '2025-01-01T12:00:00.000Z',
};

describe('serviceInstanceSchema', () => {
  it('accepts a complete instance', () => {
    expect(serviceInstanceSchema.parse(valid)).toEqual(valid);
  });

  it('drops unknown fields so values written by a newer version stay readable', () => {
    expect(serviceInstanceSchema.parse({ ...valid, region: 'eu' })).toEqual(valid);
  });

  it.each([
    ['an id with a slash', { id: 'a/b' }],
    ['an empty service', { service: '' }],
    ['a url that is not http', { url: 'ftp://127.0.0.1:21' }],
    ['a url that is not a URL', { adminUrl: 'localhost' }],
    ['a negative weight', { weight: -1 }],
    ['a weight given as text', { weight: '1' }],
    ['a start time that is not ISO 8601', { startedAt: 'yesterday' }],
  ])('rejects %s', (_name, change) => {
    expect(serviceInstanceSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});

describe('parseServiceInstance', () => {
  it('parses a JSON value', () => {
    expect(parseServiceInstance(JSON.stringify(valid))).toEqual({ ok: true, instance: valid });
  });

  it('says why a value that is not JSON is refused', () => {
    const result = parseServiceInstance('{not json');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^not JSON/);
  });

  it('names every bad field', () => {
    const result = parseServiceInstance(JSON.stringify({ ...valid, url: 'nope', weight: -2 }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/url: .*; weight: /);
  });
});
