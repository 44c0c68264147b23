import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { OutlierDetector } from './outlier-detector';
import type { EjectionEvent, OutlierDetectorOptions } from './outlier-detector';

const endpoints = (...ids: string[]) => ids.map((id) => ({ id, weight: 1 }));
const ids = (list: ReadonlyArray<{ id: string }>) => list.map((e) => e.id);

function setup(options: OutlierDetectorOptions = {}, list = endpoints('a', 'b', 'c', 'd')) {
  const clock = new ManualClock();
  const detector = new OutlierDetector({ clock, upstream: 'user-service', ...options });
  const events: EjectionEvent[] = [];
  detector.onEject((e) => events.push(e));
  detector.filter(list);
  const fail = (id: string, n: number) => {
    for (let i = 0; i < n; i++) detector.record(id, false);
  };
  return { clock, detector, events, fail, list };
}

describe('OutlierDetector', () => {
  it('ejects an instance after consecutiveFailures failures in a row', () => {
    const { detector, fail, list, events } = setup({ consecutiveFailures: 5 });
    fail('a', 4);
    expect(ids(detector.filter(list))).toEqual(['a', 'b', 'c', 'd']);
    fail('a', 1);
    expect(detector.isEjected('a')).toBe(true);
    expect(ids(detector.filter(list))).toEqual(['b', 'c', 'd']);
    expect(events).toEqual([
      { upstream: 'user-service', id: 'a', ejectionTimeMs: 30_000, timesEjected: 1, until: 30_000 },
    ]);
  });

  it('resets the count on a success: failures must be consecutive', () => {
    const { detector, fail } = setup({ consecutiveFailures: 3 });
    fail('a', 2);
    detector.record('a', true);
    fail('a', 2);
    expect(detector.isEjected('a')).toBe(false);
    fail('a', 1);
    expect(detector.isEjected('a')).toBe(true);
  });

  it('returns an instance after the ejection time, with a clean count', () => {
    const { detector, fail, clock, list } = setup();
    fail('a', 5);
    clock.advance(29_999);
    expect(detector.isEjected('a')).toBe(true);
    expect(detector.snapshot().find((h) => h.id === 'a')).toMatchObject({ remainingMs: 1 });
    clock.advance(1);
    expect(ids(detector.filter(list))).toContain('a');
    expect(detector.snapshot().find((h) => h.id === 'a')).toEqual({
      id: 'a',
      ejected: false,
      consecutiveFailures: 0,
      timesEjected: 1,
    });
  });

  it('ejects for base × times ejected, capped at maxEjectionTimeMs', () => {
    const { fail, clock, events } = setup({
      baseEjectionTimeMs: 30_000,
      maxEjectionTimeMs: 100_000,
    });
    for (let round = 0; round < 5; round++) {
      fail('a', 5);
      clock.advance(events[events.length - 1].ejectionTimeMs); // back, and fails again at once
    }
    expect(events.map((e) => e.ejectionTimeMs)).toEqual([30_000, 60_000, 90_000, 100_000, 100_000]);
  });

  it('lowers the multiplier again for every base period an instance stays healthy', () => {
    const { fail, clock, events } = setup({ baseEjectionTimeMs: 10_000 });
    fail('a', 5);
    clock.advance(10_000);
    fail('a', 5);
    clock.advance(20_000); // returns with multiplier 2
    clock.advance(10_000); // healthy for one base period: multiplier 1
    fail('a', 5);
    expect(events.map((e) => e.timesEjected)).toEqual([1, 2, 2]);
  });

  it('never ejects more than maxEjectionPercent of the instances', () => {
    const { detector, fail, list } = setup({ maxEjectionPercent: 50 });
    for (const id of ['a', 'b', 'c']) fail(id, 5);
    expect(ids(detector.filter(list))).toEqual(['c', 'd']);
    expect(detector.isEjected('c')).toBe(false);
  });

  it('always allows one ejection, and with one instance left serves the least bad', () => {
    const single = endpoints('only');
    const { detector, fail } = setup({ maxEjectionPercent: 10 }, single);
    fail('only', 5);
    expect(detector.isEjected('only')).toBe(true);
    expect(ids(detector.filter(single))).toEqual(['only']);
  });

  it('when every instance is ejected returns those due back soonest instead of nothing', () => {
    const list = endpoints('a', 'b', 'c');
    const { detector, fail, clock } = setup({ maxEjectionPercent: 100 }, list);
    fail('a', 5);
    clock.advance(1_000);
    fail('b', 5);
    fail('c', 5);
    expect(ids(detector.filter(list))).toEqual(['a']);
    expect(detector.filter([])).toEqual([]);
  });

  it('returns instances early when the population shrinks below the ejection bound', () => {
    const { detector, fail, clock } = setup({ maxEjectionPercent: 50 });
    fail('a', 5);
    clock.advance(10);
    fail('b', 5); // 2 of 4 ejected
    expect(ids(detector.filter(endpoints('a', 'b', 'c')))).toEqual(['a', 'c']); // 1 of 3 allowed
    expect(detector.isEjected('b')).toBe(true);
  });

  it('ignores results that arrive for an instance while it is ejected', () => {
    const { detector, fail, clock } = setup();
    fail('a', 5);
    fail('a', 10);
    detector.record('a', true);
    expect(detector.snapshot().find((h) => h.id === 'a')).toMatchObject({
      ejected: true,
      consecutiveFailures: 5,
      timesEjected: 1,
    });
    clock.advance(30_000);
    expect(detector.isEjected('a')).toBe(false);
  });

  it('forgets instances that left the list', () => {
    const { detector, fail } = setup();
    fail('d', 5);
    detector.filter(endpoints('a', 'b', 'c'));
    expect(detector.snapshot().map((h) => h.id)).not.toContain('d');
  });

  it('stops telling a removed listener and survives a throwing one', () => {
    const { detector, fail } = setup();
    const seen: string[] = [];
    const remove = detector.onEject((e) => seen.push(e.id));
    detector.onEject(() => {
      throw new Error('bad listener');
    });
    fail('a', 5);
    remove();
    expect(() => fail('b', 5)).not.toThrow();
    expect(seen).toEqual(['a']);
  });

  it('validates its options', () => {
    expect(() => new OutlierDetector({ consecutiveFailures: 0 })).toThrow(RangeError);
    expect(() => new OutlierDetector({ maxEjectionPercent: 101 })).toThrow(RangeError);
    expect(
      () => new OutlierDetector({ baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 5_000 }),
    ).toThrow(RangeError);
  });
});
