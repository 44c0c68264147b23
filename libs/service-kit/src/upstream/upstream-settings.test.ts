import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isConfigError, parseConfig } from '../config';
import { staticUpstream } from '../testing/static-upstream';
import type { StaticUpstream } from '../testing/static-upstream';
import { upstreamEnvShape } from './upstream-settings';

const shape = upstreamEnvShape('T');
const schema = z.object(shape);
const opened: StaticUpstream[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((upstream) => upstream.close()));
});

/** The smallest of a few candidates that the schema accepts for `key` on its own. */
function smallestAccepted(key: string): string | undefined {
  return ['0', '0.1', '1', '10', '50', '100'].find(
    (value) =>
      z.object({ [key]: shape[key as keyof typeof shape] }).safeParse({ [key]: value }).success,
  );
}

describe('upstream settings', () => {
  it.each(['T_RETRY_BASE_DELAY_MS', 'T_RETRY_MAX_DELAY_MS'])(
    '%s=0 is refused when the config is parsed, naming the variable',
    (key) => {
      const error = (() => {
        try {
          parseConfig(schema, { [key]: '0' });
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(isConfigError(error)).toBe(true);
      expect((error as { problems: string[] }).problems).toEqual([
        expect.stringContaining(`${key}:`),
      ]);
    },
  );

  it('every numeric setting at the smallest value the schema accepts builds a working stack', async () => {
    const env: Record<string, string> = {};
    for (const key of Object.keys(shape)) {
      const value = smallestAccepted(key);
      if (value !== undefined) env[key.slice('T_'.length)] = value;
    }

    const upstream = await staticUpstream('things', ['http://127.0.0.1:9'], env);
    opened.push(upstream);
    expect(upstream.client.service).toBe('things');
  });
});
