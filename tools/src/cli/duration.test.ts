import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration';

describe('parseDurationMs', () => {
  it.each([
    ['300ms', 300],
    ['60s', 60_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '60', '1.5s', '-1s', '2 m', '10S', '5d', 's', '1s2', ' 1s'])('refuses %j', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );
});

describe('formatDurationMs', () => {
  it('writes the short form', () => {
    expect([300, 1500, 60_000, 120_000, 90_000].map(formatDurationMs)).toEqual([
      '300ms',
      '1.5s',
      '1m',
      '2m',
      '90s',
    ]);
  });
});
