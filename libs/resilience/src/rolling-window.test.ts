import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { RollingWindow } from './rolling-window';

describe('RollingWindow', () => {
  it('sums counts across buckets inside the window', () => {
    const clock = new ManualClock();
    const window = new RollingWindow(10_000, 10, ['ok', 'bad'], clock);
    window.add('ok');
    clock.advance(3_000);
    window.add('ok', 2);
    window.add('bad');
    expect(window.totals()).toEqual({ ok: 3, bad: 1 });
  });

  it('drops a bucket once it has slid out of the window', () => {
    const clock = new ManualClock();
    const window = new RollingWindow(10_000, 10, ['n'], clock);
    window.add('n'); // bucket [0, 1000)
    clock.set(5_000);
    window.add('n'); // bucket [5000, 6000)
    clock.set(9_999);
    expect(window.totals().n).toBe(2);
    clock.set(10_000); // the first bucket is now 10 buckets old
    expect(window.totals().n).toBe(1);
    clock.set(15_000);
    expect(window.totals().n).toBe(0);
  });

  it('reuses a slot for a new epoch without leaking old counts', () => {
    const clock = new ManualClock();
    const window = new RollingWindow(1_000, 2, ['n'], clock);
    window.add('n', 5);
    clock.set(1_000); // same slot as epoch 0, two epochs later
    window.add('n');
    expect(window.totals().n).toBe(1);
  });

  it('forgets everything on reset', () => {
    const clock = new ManualClock();
    const window = new RollingWindow(1_000, 4, ['n'], clock);
    window.add('n', 3);
    window.reset();
    expect(window.totals().n).toBe(0);
  });

  it('rejects a nonsensical shape', () => {
    const clock = new ManualClock();
    expect(() => new RollingWindow(0, 10, ['n'], clock)).toThrow(RangeError);
    expect(() => new RollingWindow(1_000, 0, ['n'], clock)).toThrow(RangeError);
  });
});
