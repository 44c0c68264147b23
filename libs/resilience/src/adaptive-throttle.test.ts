import { describe, expect, it, vi } from 'vitest';
import { AdaptiveThrottle } from './adaptive-throttle';
import type { AdaptiveThrottleOptions } from './adaptive-throttle';
import { ManualClock } from './clock';
import { ThrottledError } from './errors';
import { seededRandom } from './random';

const ok = () => Promise.resolve('ok');
const fail = () => Promise.reject(new Error('503'));

function setup(options: AdaptiveThrottleOptions = {}) {
  const clock = new ManualClock();
  const throttle = new AdaptiveThrottle({
    upstream: 'order-service',
    clock,
    random: seededRandom(1),
    ...options,
  });
  const run = async (n: number, op: () => Promise<unknown>) => {
    let throttled = 0;
    for (let i = 0; i < n; i++) {
      await throttle.execute(op).catch((e: unknown) => {
        if (e instanceof ThrottledError) throttled += 1;
      });
    }
    return throttled;
  };
  return { clock, throttle, run };
}

describe('AdaptiveThrottle', () => {
  it('never throttles a healthy upstream', async () => {
    const { throttle, run } = setup();
    expect(await run(1_000, ok)).toBe(0);
    expect(throttle.rejectProbability()).toBe(0);
  });

  it('computes max(0, (requests − K·accepts) / (requests + 1)) over the window', async () => {
    const { throttle, run } = setup({ random: () => 0.999_999 }); // never draws a rejection
    await run(10, ok);
    await run(20, fail);
    // requests 30, accepts 10, K 2 → (30 − 20) / 31
    expect(throttle.rejectProbability()).toBeCloseTo(10 / 31, 12);
    expect(throttle.snapshot()).toMatchObject({
      name: 'adaptive-throttle',
      upstream: 'order-service',
      requests: 30,
      accepts: 10,
      k: 2,
    });
  });

  it('a smaller K throttles sooner', async () => {
    const lenient = setup({ k: 2, random: () => 0.999_999 });
    const strict = setup({ k: 1, random: () => 0.999_999 });
    for (const s of [lenient, strict]) {
      await s.run(10, ok);
      await s.run(10, fail);
    }
    expect(lenient.throttle.rejectProbability()).toBe(0);
    expect(strict.throttle.rejectProbability()).toBeCloseTo(10 / 21, 12);
  });

  it('rejects locally with about the computed probability, without calling the upstream', async () => {
    const { throttle, run } = setup();
    const warmup = await run(100, fail); // accepts 0 → probability climbs towards 1
    const op = vi.fn(fail);
    const probability = throttle.rejectProbability();
    const throttled = await run(1_000, op);
    expect(probability).toBeGreaterThan(0.9);
    expect(throttled).toBeGreaterThan(900);
    expect(op).toHaveBeenCalledTimes(1_000 - throttled);
    expect(throttle.snapshot().throttled).toBe(warmup + throttled);
  });

  it('counts locally throttled calls as requests, so the pressure keeps building', async () => {
    const { throttle, run } = setup({ random: () => 0 }); // every positive probability rejects
    await run(1, fail); // p = 1/2 now
    expect(await run(5, fail)).toBe(5);
    expect(throttle.snapshot()).toMatchObject({ requests: 6, accepts: 0 });
  });

  it('recovers once the failing history leaves the window', async () => {
    const { throttle, clock, run } = setup({ windowMs: 60_000 });
    await run(50, fail);
    expect(throttle.rejectProbability()).toBeGreaterThan(0.9);
    clock.advance(60_000);
    expect(throttle.rejectProbability()).toBe(0);
    expect(await run(100, ok)).toBe(0);
  });

  it('throws a ThrottledError carrying the probability', async () => {
    const { throttle, run } = setup({ random: () => 0 });
    await run(3, fail);
    const error = await throttle.execute(ok).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ code: 'throttled', rejectProbability: 3 / 4 });
  });

  it('counts only what the classifier calls failures', async () => {
    const { throttle, run } = setup({
      isFailure: () => false,
      isFailureResult: (r) => r === 'bad',
      random: () => 0.999_999,
    });
    await run(10, fail);
    await run(10, () => Promise.resolve('bad'));
    expect(throttle.snapshot()).toMatchObject({ requests: 20, accepts: 10 });
  });

  it('treats a call cancelled by the caller as accepted', async () => {
    const { throttle } = setup();
    const controller = new AbortController();
    const call = throttle.execute(
      (signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      controller.signal,
    );
    controller.abort(new Error('client left'));
    await expect(call).rejects.toThrow('client left');
    expect(throttle.snapshot()).toMatchObject({ requests: 1, accepts: 1 });
    await expect(throttle.execute(fail)).rejects.toThrow('503');
    expect(throttle.snapshot()).toMatchObject({ requests: 2, accepts: 1 });
  });

  it('caps the probability at maxRejectProbability, so some calls keep probing', async () => {
    const { throttle, run } = setup({ maxRejectProbability: 0.8 });
    await run(200, fail);
    expect(throttle.rejectProbability()).toBe(0.8);
    const sent = 1_000 - (await run(1_000, fail));
    expect(sent).toBeGreaterThan(150);
    expect(sent).toBeLessThan(250);
    expect(throttle.snapshot().maxRejectProbability).toBe(0.8);
  });

  it('is uncapped by default, as in the SRE book', async () => {
    const { throttle, run } = setup({ random: () => 0.999_999 });
    await run(99, fail);
    expect(throttle.rejectProbability()).toBeCloseTo(99 / 100, 12);
  });

  it('rejects K below 1 and a cap outside (0, 1]', () => {
    expect(() => new AdaptiveThrottle({ k: 0.5 })).toThrow(RangeError);
    expect(() => new AdaptiveThrottle({ maxRejectProbability: 0 })).toThrow(RangeError);
    expect(() => new AdaptiveThrottle({ maxRejectProbability: 1.5 })).toThrow(RangeError);
  });
});
