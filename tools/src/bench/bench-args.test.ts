import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/usage-error';
import { COMPARISONS, parseBenchArgs } from './bench-args';
import { summarise } from './report';
import { countEjections } from './run-bench';

describe('parseBenchArgs', () => {
  it('runs every comparison with the full settings by default', () => {
    expect(parseBenchArgs([])).toMatchObject({
      quick: false,
      rounds: 3,
      durationMs: 10_000,
      connections: 16,
      only: [...COMPARISONS],
      out: 'bench/results/latest.json',
    });
  });

  it('--quick shortens everything and leaves the Node side-by-side out unless asked', () => {
    const quick = parseBenchArgs(['--quick']);
    expect(quick).toMatchObject({ quick: true, rounds: 1, durationMs: 1000 });
    expect(quick.only).not.toContain('node');
    expect(parseBenchArgs(['--quick', '--only', 'node,limit']).only).toEqual(['node', 'limit']);
  });

  it.each([
    [['--rounds', '0'], '--rounds'],
    [['--duration', '10'], '--duration'],
    [['--only', 'telemetry,speed'], '--only'],
    [['--connections', 'many'], '--connections'],
    [['--fast'], '--fast'],
  ])('refuses %j naming the flag', (argv, flag) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(flag);
  });
});

describe('countEjections', () => {
  it('sums every ejections counter of an /admin/status document', () => {
    const status = {
      service: 'gateway',
      upstreams: {
        'user-service': {
          instances: [
            { id: 'a', ejections: 2 },
            { id: 'b', ejections: 0 },
          ],
        },
        'order-service': { instances: [{ id: 'c', ejections: 1 }] },
      },
    };
    expect(countEjections(status)).toBe(3);
    expect(countEjections({ ready: true })).toBe(0);
  });
});

describe('summarise', () => {
  it('takes the median of the rounds and the sum of the errors', () => {
    const sample = (round: number, rps: number, errors: number) => ({
      config: 'x',
      round,
      requests: rps,
      rps,
      p50Ms: rps / 100,
      p99Ms: rps / 10,
      errors,
      degraded: 0,
    });
    const s = summarise([sample(1, 300, 1), sample(2, 100, 0), sample(3, 200, 2)]).get('x');
    expect(s).toMatchObject({ rounds: 3, rps: 200, p50Ms: 2, p99Ms: 20, errors: 3 });
  });
});
