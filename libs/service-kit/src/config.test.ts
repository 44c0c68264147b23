import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { env, isConfigError, parseConfig, serviceEnvSchema } from './config';
import { toUpstreamSettings, upstreamEnvShape } from './upstream/upstream-settings';

describe('parseConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = parseConfig(serviceEnvSchema, {});
    expect(config.PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad key at once, each with its value', () => {
    const schema = serviceEnvSchema.extend({ UPSTREAM_URLS: env.urlList() });
    let caught: unknown;
    try {
      parseConfig(schema, { PORT: 'eighty', LOG_LEVEL: 'loud', ADMIN_TOKEN: 'short' });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    const problems = (caught as { problems: string[] }).problems.join('\n');
    for (const key of ['PORT', 'LOG_LEVEL', 'ADMIN_TOKEN', 'UPSTREAM_URLS'])
      expect(problems).toContain(key);
    expect(problems).toContain('"eighty"');
  });

  it('parses a comma-separated URL list and rejects a bad entry', () => {
    const schema = z.object({ URLS: env.urlList() });
    expect(parseConfig(schema, { URLS: 'http://a:1, http://b:2' }).URLS).toEqual([
      'http://a:1',
      'http://b:2',
    ]);
    expect(() => parseConfig(schema, { URLS: 'http://a:1,ftp://b' })).toThrow(/URLS/);
  });

  it('accepts only true/false/1/0 for a boolean', () => {
    const schema = z.object({ FLAG: env.boolean(false) });
    expect(parseConfig(schema, { FLAG: '1' }).FLAG).toBe(true);
    expect(() => parseConfig(schema, { FLAG: 'yes' })).toThrow(/FLAG/);
  });
});

describe('upstream settings', () => {
  it('rejects values that contradict each other, naming both variables', () => {
    const parsed = parseConfig(z.object(upstreamEnvShape('USERS')), {
      USERS_OUTLIER_BASE_EJECTION_MS: '60000',
      USERS_OUTLIER_MAX_EJECTION_MS: '1000',
    });
    expect(() => toUpstreamSettings('users', 'USERS', parsed)).toThrow(
      /USERS_OUTLIER_BASE_EJECTION_MS: must not exceed USERS_OUTLIER_MAX_EJECTION_MS/,
    );
    expect(
      toUpstreamSettings('users', 'USERS', parseConfig(z.object(upstreamEnvShape('USERS')), {}))
        .outlier,
    ).toMatchObject({ baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 120_000 });
  });
});
