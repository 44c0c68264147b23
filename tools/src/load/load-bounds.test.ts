import { describe, expect, it } from 'vitest';
import { isUsageError } from '../cli/usage-error';
import { checkLoadBounds, parseLoadBounds } from './load-bounds';
import type { LoadReport } from './run-load';

const report = {
  requests: 200,
  achievedRate: 19.5,
  latencyMs: { p50: 12, p90: 40, p99: 250, max: 400, mean: 15 },
  ok: 180,
  degraded: 12,
  rateLimited: 0,
  clientErrors: 0,
  errors: 1,
  noAnswer: 0,
  timeouts: 0,
} as unknown as LoadReport;

function verdicts(spec: string) {
  return checkLoadBounds(report, parseLoadBounds(spec)).map((v) => [v.bound, v.ok, v.actual]);
}

describe('--assert bounds', () => {
  it('checks latency, counts, shares of requests and the achieved rate', () => {
    expect(verdicts('p99<300ms, errors=0,degraded<5%,rate>=18,max<=1s')).toEqual([
      ['p99<300ms', true, '250ms'],
      ['errors=0', false, '1 (0.5% of 200)'],
      ['degraded<5%', false, '12 (6.0% of 200)'],
      ['rate>=18', true, '19.5 req/s'],
      ['max<=1s', true, '400ms'],
    ]);
    // at the bound itself: < and > miss, <= and >= hold
    expect(verdicts('degraded<=6%,p50>12ms,p50<12ms,p50>=12ms,requests=200')).toEqual([
      ['degraded<=6%', true, '12 (6.0% of 200)'],
      ['p50>12ms', false, '12ms'],
      ['p50<12ms', false, '12ms'],
      ['p50>=12ms', true, '12ms'],
      ['requests=200', true, '200 (100.0% of 200)'],
    ]);
  });

  it.each([
    ['p99<300', 'p99 takes a duration'],
    ['p99<0.3s', 'p99 takes a duration'],
    ['errors=none', 'errors takes a count'],
    ['degraded<150%', 'a share is 0% to 100%'],
    ['latency<3ms', 'unknown figure "latency"'],
    ['p99', 'cannot read "p99"'],
    ['p99<300ms,,errors=0', 'empty bound'],
    ['rate>fast', 'rate takes requests per second'],
  ])('refuses %j, naming --assert and why', (spec, why) => {
    let error: unknown;
    try {
      parseLoadBounds(spec);
    } catch (e) {
      error = e;
    }
    expect(isUsageError(error)).toBe(true);
    expect(String(error)).toContain('--assert');
    expect(String(error)).toContain(why);
  });
});
