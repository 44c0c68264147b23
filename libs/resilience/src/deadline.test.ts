import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from './clock';
import {
  DEADLINE_HEADER,
  Deadline,
  deadlinePolicy,
  formatDeadlineHeader,
  parseDeadlineHeader,
} from './deadline';
import { DeadlineExceededError } from './errors';

describe('Deadline', () => {
  it('counts down on its clock and expires', () => {
    const clock = new ManualClock(1_000);
    const deadline = Deadline.after(500, clock);
    expect(deadline.at).toBe(1_500);
    expect(deadline.remainingMs()).toBe(500);
    expect(deadline.expired).toBe(false);
    clock.advance(499);
    expect(deadline.remainingMs()).toBe(1);
    clock.advance(1);
    expect(deadline.expired).toBe(true);
    clock.advance(100);
    expect(deadline.remainingMs()).toBe(0);
  });

  it('min picks the earlier deadline', () => {
    const clock = new ManualClock();
    const soon = Deadline.after(100, clock);
    const later = Deadline.at(900, clock);
    expect(soon.min(later)).toBe(soon);
    expect(later.min(soon)).toBe(soon);
    expect(later.min(undefined)).toBe(later);
  });

  describe('signal', () => {
    beforeEach(() => vi.useFakeTimers({ now: 10_000 }));
    afterEach(() => vi.useRealTimers());

    it('aborts with DeadlineExceededError when the deadline passes', async () => {
      const deadline = Deadline.after(300, systemClock);
      const signal = deadline.signal;
      await vi.advanceTimersByTimeAsync(299);
      expect(signal.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(DeadlineExceededError);
      expect(deadline.signal).toBe(signal);
    });

    it('is already aborted for an expired deadline', () => {
      expect(Deadline.after(0, systemClock).signal.aborted).toBe(true);
    });

    it('uses an unref-ed timer that dispose clears', () => {
      const unref = vi.spyOn(globalThis, 'setTimeout');
      const deadline = Deadline.after(1_000, systemClock);
      void deadline.signal;
      const timer = unref.mock.results[0].value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      expect(vi.getTimerCount()).toBe(1);
      deadline.dispose();
      expect(vi.getTimerCount()).toBe(0);
      unref.mockRestore();
    });
  });
});

describe('deadline header', () => {
  const clock = new ManualClock(50_000);

  it('round-trips the remaining budget in whole milliseconds', () => {
    const deadline = Deadline.after(1_450.7, clock);
    expect(formatDeadlineHeader(deadline)).toBe('1450');
    const parsed = parseDeadlineHeader('1450', clock);
    expect(parsed.ok && parsed.deadline?.remainingMs()).toBe(1_450);
    expect(DEADLINE_HEADER).toBe('x-mesh-deadline-ms');
  });

  it('formats an expired deadline as 0, which parses as expired', () => {
    const deadline = Deadline.at(10, clock);
    expect(formatDeadlineHeader(deadline)).toBe('0');
    const parsed = parseDeadlineHeader('0', clock);
    expect(parsed.ok && parsed.deadline?.expired).toBe(true);
  });

  it('treats an absent header as no deadline, not as an error', () => {
    expect(parseDeadlineHeader(undefined, clock)).toEqual({ ok: true, deadline: undefined });
  });

  it('accepts surrounding whitespace and a single-element list', () => {
    expect(parseDeadlineHeader(' 25 ', clock).ok).toBe(true);
    expect(parseDeadlineHeader(['25'], clock).ok).toBe(true);
  });

  it.each([
    '',
    'abc',
    '-5',
    '1.5',
    '1e3',
    '+100',
    '0x10',
    '100ms',
    '100, 200',
    '9'.repeat(16),
    'Infinity',
  ])('rejects %j with a message instead of throwing', (value) => {
    const parsed = parseDeadlineHeader(value, clock);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(DEADLINE_HEADER);
  });

  it('rejects repeated headers and budgets above the maximum', () => {
    expect(parseDeadlineHeader(['1', '2'], clock).ok).toBe(false);
    expect(parseDeadlineHeader('600001', clock).ok).toBe(false);
    expect(parseDeadlineHeader('600000', clock).ok).toBe(true);
    expect(parseDeadlineHeader('5000', clock, { maxMs: 1_000 }).ok).toBe(false);
  });
});

describe('deadlinePolicy', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('runs the operation when there is time', async () => {
    const deadline = Deadline.after(1_000, systemClock);
    await expect(deadlinePolicy(deadline).execute(async () => 'ok')).resolves.toBe('ok');
    deadline.dispose();
  });

  it('refuses to start an attempt that cannot finish in the time left', async () => {
    const deadline = Deadline.after(40, systemClock);
    const op = vi.fn(async () => 'ok');
    const policy = deadlinePolicy(deadline, { minAttemptMs: 50, upstream: 'user-service' });
    const error = await policy.execute(op).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: 'deadline_exceeded', upstream: 'user-service' });
    expect(op).not.toHaveBeenCalled();
  });

  it('refuses to start once the deadline has passed', async () => {
    const deadline = Deadline.after(10, systemClock);
    await vi.advanceTimersByTimeAsync(10);
    const op = vi.fn(async () => 'ok');
    await expect(deadlinePolicy(deadline).execute(op)).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(op).not.toHaveBeenCalled();
  });

  it('aborts the operation when the deadline passes mid-flight', async () => {
    const deadline = Deadline.after(100, systemClock);
    let aborted = false;
    const pending = deadlinePolicy(deadline, { upstream: 'order-service' }).execute(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('socket destroyed'));
          }),
        ),
    );
    const assertion = expect(pending).rejects.toMatchObject({
      code: 'deadline_exceeded',
      upstream: 'order-service',
    });
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(aborted).toBe(true);
  });

  it('passes on a caller abort as it is', async () => {
    const deadline = Deadline.after(1_000, systemClock);
    const controller = new AbortController();
    const pending = deadlinePolicy(deadline).execute(
      () => new Promise(() => undefined),
      controller.signal,
    );
    controller.abort(new Error('client left'));
    await expect(pending).rejects.toThrow('client left');
    deadline.dispose();
  });
});
