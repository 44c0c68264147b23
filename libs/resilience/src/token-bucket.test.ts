import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('starts full: allows a burst of `burst` requests, then refuses', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 5 }, new ManualClock());
    const decisions = Array.from({ length: 6 }, () => bucket.tryTake());
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions[0].limit).toBe(5);
  });

  it('says exactly when the next token arrives', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 1 }, clock);
    expect(bucket.tryTake().allowed).toBe(true);
    expect(bucket.tryTake()).toMatchObject({ allowed: false, retryAfterMs: 500, resetMs: 500 });
    clock.advance(250);
    expect(bucket.tryTake()).toMatchObject({ allowed: false, retryAfterMs: 250 });
    clock.advance(249);
    expect(bucket.tryTake()).toMatchObject({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(bucket.tryTake()).toMatchObject({ allowed: true, retryAfterMs: 0 });
  });

  it('refills fractionally and keeps the remainder', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 3, burst: 3 }, clock);
    for (let i = 0; i < 3; i++) bucket.tryTake();
    clock.advance(500); // 1.5 tokens
    expect(bucket.available()).toBeCloseTo(1.5, 12);
    expect(bucket.tryTake()).toMatchObject({ allowed: true, remaining: 0 }); // 0.5 left
    expect(bucket.tryTake()).toMatchObject({ allowed: false, retryAfterMs: 167 }); // 0.5 token at 3/s
    clock.advance(1_000 / 6); // exactly the missing half token
    expect(bucket.tryTake().allowed).toBe(true);
  });

  it('rounds the wait up, so a client retrying on time is allowed', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 3, burst: 1 }, clock);
    bucket.tryTake();
    clock.advance(100); // 0.3 token; 0.7 missing = 233.3 ms
    const { retryAfterMs } = bucket.tryTake();
    expect(retryAfterMs).toBe(234);
    clock.advance(retryAfterMs);
    expect(bucket.tryTake().allowed).toBe(true);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 4 }, clock);
    bucket.tryTake();
    clock.advance(3_600_000);
    expect(bucket.available()).toBe(4);
    expect(bucket.tryTake()).toMatchObject({ remaining: 3, resetMs: 100 });
  });

  it('takes several tokens at once for costly requests', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 5 }, clock);
    expect(bucket.tryTake(3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(bucket.tryTake(3)).toMatchObject({ allowed: false, remaining: 2, retryAfterMs: 1_000 });
    expect(() => bucket.tryTake(6)).toThrow(RangeError);
    expect(() => bucket.tryTake(0)).toThrow(RangeError);
  });

  it('sustains ratePerSecond over time', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 50, burst: 10 }, clock);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      if (bucket.tryTake().allowed) allowed += 1;
      clock.advance(1);
    }
    expect(allowed).toBe(10 + 50 * 10 - 1); // the burst, then one token per 20 ms
  });

  it('rejects a bucket that could never allow anything', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
