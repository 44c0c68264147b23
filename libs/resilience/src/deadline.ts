import { linkSignal, neverAborted, raceAbort } from './abort';
import { ATTR_MESH_UPSTREAM } from './attribute-names';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { DeadlineExceededError } from './errors';
import { instruments } from './instruments';
import type { Operation, Policy } from './policy';

/**
 * Request header carrying the caller's remaining time budget to the next hop, as a
 * non-negative integer number of milliseconds (relative, so hosts need no synchronised
 * clocks). Example: `x-mesh-deadline-ms: 1450`.
 */
export const DEADLINE_HEADER = 'x-mesh-deadline-ms';

/** Largest budget {@link parseDeadlineHeader} accepts by default: 10 minutes. */
export const MAX_DEADLINE_HEADER_MS = 600_000;

/**
 * An absolute point in time by which a request must be answered, read on an injected clock.
 * Create one per request; pass it down (and across hops with {@link formatDeadlineHeader}).
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private controller: AbortController | undefined;

  private constructor(
    /** Clock reading (ms) at which the deadline passes. */
    readonly at: number,
    private readonly clock: Clock,
  ) {}

  /** A deadline `ms` milliseconds from now. */
  static after(ms: number, clock: Clock = systemClock): Deadline {
    if (Number.isNaN(ms)) throw new RangeError('a deadline needs a number of ms');
    return new Deadline(clock.now() + ms, clock);
  }

  /** A deadline at an absolute clock reading. */
  static at(at: number, clock: Clock = systemClock): Deadline {
    return new Deadline(at, clock);
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  get expired(): boolean {
    return this.clock.now() >= this.at;
  }

  /**
   * A signal that aborts with a {@link DeadlineExceededError} when the deadline passes. The
   * timer is created on first access, does not keep the process alive and is cleared by
   * {@link dispose}.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const remaining = this.at - this.clock.now();
      if (remaining <= 0) {
        controller.abort(new DeadlineExceededError());
      } else {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          controller.abort(new DeadlineExceededError());
        }, remaining);
        this.timer.unref();
      }
    }
    return this.controller.signal;
  }

  /** The earlier of the two deadlines (this one if `other` is undefined). */
  min(other: Deadline | undefined): Deadline {
    return other !== undefined && other.at < this.at ? other : this;
  }

  /** Clears the signal's timer; call when the request is done. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Result of {@link parseDeadlineHeader}: never throws on bad input. */
export type DeadlineHeaderResult =
  | { readonly ok: true; readonly deadline: Deadline | undefined }
  | { readonly ok: false; readonly error: string };

/** Options of {@link parseDeadlineHeader}. */
export interface ParseDeadlineOptions {
  /** Largest accepted budget in ms; larger values are rejected. Default 600000 (10 min). */
  maxMs?: number;
}

/**
 * Reads {@link DEADLINE_HEADER}. An absent header gives `{ ok: true, deadline: undefined }`
 * (the service applies its own default); `"0"` gives an already expired deadline (answer 504
 * at once); anything but one plain non-negative integer up to `maxMs` is an error.
 */
export function parseDeadlineHeader(
  value: string | readonly string[] | undefined,
  clock: Clock = systemClock,
  options: ParseDeadlineOptions = {},
): DeadlineHeaderResult {
  if (value === undefined) return { ok: true, deadline: undefined };
  if (typeof value !== 'string') {
    if (value.length !== 1) {
      return { ok: false, error: `${DEADLINE_HEADER} must be sent once, got ${value.length}` };
    }
    value = value[0];
  }
  const text = value.trim();
  if (!/^\d+$/.test(text)) {
    return {
      ok: false,
      error: `${DEADLINE_HEADER} must be a whole number of milliseconds, got ${JSON.stringify(value.slice(0, 40))}`,
    };
  }
  const ms = Number(text);
  const max = options.maxMs ?? MAX_DEADLINE_HEADER_MS;
  if (ms > max) {
    return { ok: false, error: `${DEADLINE_HEADER} of ${ms} ms exceeds the maximum of ${max} ms` };
  }
  return { ok: true, deadline: Deadline.after(ms, clock) };
}

/** The value of {@link DEADLINE_HEADER} for the next hop: whole ms left, rounded down. */
export function formatDeadlineHeader(deadline: Deadline): string {
  return String(Math.floor(deadline.remainingMs()));
}

/** Options of {@link deadlinePolicy}. */
export interface DeadlinePolicyOptions {
  /**
   * An attempt is not started with less than this many ms left: it could not finish, and
   * would only load the upstream. Default 0 (refuse only when expired).
   */
  minAttemptMs?: number;
  /** Upstream label for errors and metrics. Default `'default'`. */
  upstream?: string;
}

/**
 * Enforces a request deadline around an operation: refuses to start when less than
 * `minAttemptMs` is left, and aborts the operation (rejecting with
 * {@link DeadlineExceededError}) when the deadline passes.
 */
export function deadlinePolicy(deadline: Deadline, options: DeadlinePolicyOptions = {}): Policy {
  const minAttemptMs = options.minAttemptMs ?? 0;
  const upstream = options.upstream ?? 'default';
  const expired = (remaining: number) => {
    instruments().deadlineExpirations.add(1, { [ATTR_MESH_UPSTREAM]: upstream });
    return new DeadlineExceededError({
      upstream,
      message:
        remaining <= 0
          ? `deadline exceeded before calling ${upstream}`
          : `only ${Math.floor(remaining)} ms left, ${minAttemptMs} ms needed to call ${upstream}`,
    });
  };
  return {
    async execute<T>(op: Operation<T>, signal: AbortSignal = neverAborted): Promise<T> {
      if (signal.aborted) throw signal.reason;
      const remaining = deadline.remainingMs();
      if (remaining <= 0 || remaining < minAttemptMs) throw expired(remaining);
      const link = linkSignal(signal, deadline.signal);
      try {
        return await raceAbort(
          Promise.resolve().then(() => op(link.signal)),
          link.signal,
        );
      } catch (error) {
        if (!signal.aborted && deadline.expired) throw expired(0);
        throw error;
      } finally {
        link.dispose();
      }
    },
  };
}
