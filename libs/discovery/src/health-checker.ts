import type { Counter, MeterProvider } from '@opentelemetry/api';
import { ATTR_DISCOVERY_SERVICE, ATTR_HEALTH_CHECK_RESULT } from './attribute-names';
import { sleep, systemClock } from './clock';
import type { Clock } from './clock';
import { discoveryMeter } from './instruments';
import { METRIC_HEALTH_CHECKS } from './metric-names';
import { byId } from './service-instance';
import type { ServiceInstance } from './service-instance';

/** What the last active check said about an instance; `unknown` until its first check ends. */
export type HealthState = 'ready' | 'not_ready' | 'unknown';

/** The health of one instance in a {@link HealthChecker.snapshot}. */
export interface InstanceHealth {
  readonly instance: ServiceInstance;
  readonly state: HealthState;
  /** When the last check ended (ms since the epoch, on the checker's clock); undefined before. */
  readonly checkedAt: number | undefined;
  /** Why the last check said `not_ready`, e.g. `HTTP 503` or `timed out after 1000 ms`. */
  readonly reason: string | undefined;
}

/** A change of an instance's health state. */
export interface HealthChange {
  readonly instance: ServiceInstance;
  readonly previous: HealthState;
  readonly current: HealthState;
  readonly reason: string | undefined;
}

/** Options of {@link HealthChecker}. */
export interface HealthCheckerOptions {
  /**
   * The instances to check, asked before every round (e.g. `() => cache.instances('users')`).
   * Instances no longer in it are forgotten.
   */
  instances: () => readonly ServiceInstance[];
  /** Pause between the end of one round of checks and the start of the next, in milliseconds. Default: 2000. */
  intervalMs?: number;
  /** Deadline of one check, in milliseconds; a check that takes longer says `not_ready`. Default: 1000. */
  timeoutMs?: number;
  /** Path appended to each instance's `url`. Default: `/health/ready`. */
  path?: string;
  /** Called after each state change, including the first result of a new instance. Default: none. */
  onChange?: (change: HealthChange) => void;
  /** Time source for the interval, the check deadline and `checkedAt`. Default: the system clock. */
  clock?: Clock;
  /** HTTP client. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Where the check counter goes. Default: the global provider of `@opentelemetry/api`. */
  meterProvider?: MeterProvider;
}

interface Tracked {
  instance: ServiceInstance;
  state: HealthState;
  checkedAt: number | undefined;
  reason: string | undefined;
}

/**
 * Active health checks: `GET {url}/health/ready` on every instance, round after round. A 2xx
 * answer is `ready`; any other status, a refused connection or a check past its deadline is
 * `not_ready`. Rounds never overlap: the next one starts `intervalMs` after the previous ended.
 */
export class HealthChecker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<(change: HealthChange) => void>();
  private readonly stopping = new AbortController();
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly path: string;
  private readonly fetch: typeof fetch;
  private readonly checks: Counter;
  private round: Promise<void> | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: HealthCheckerOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.path = options.path ?? '/health/ready';
    this.fetch = options.fetch ?? globalThis.fetch;
    if (options.onChange) this.listeners.add(options.onChange);
    this.checks = discoveryMeter(options.meterProvider).createCounter(METRIC_HEALTH_CHECKS, {
      description: 'Active health checks done, by result.',
      unit: '{check}',
    });
  }

  /** Starts checking: a first round at once, then one `intervalMs` after each round ends. */
  start(): void {
    if (this.loop || this.stopping.signal.aborted) return;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        await this.checkNow();
        await sleep(this.clock, this.intervalMs, this.stopping.signal);
      }
    })();
  }

  /**
   * Runs one round of checks now and resolves when it ends. While a round runs, returns that
   * round instead of starting another one.
   */
  checkNow(): Promise<void> {
    this.round ??= this.runRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** The state of the instance with this id; `unknown` if it is not (or no longer) checked. */
  state(instanceId: string): HealthState {
    return this.tracked.get(instanceId)?.state ?? 'unknown';
  }

  /** Whether the last check of this instance said ready. */
  isReady(instanceId: string): boolean {
    return this.state(instanceId) === 'ready';
  }

  /** The health of every instance being checked, sorted by id. */
  snapshot(): InstanceHealth[] {
    return [...this.tracked.values()]
      .map((t) => ({
        instance: t.instance,
        state: t.state,
        checkedAt: t.checkedAt,
        reason: t.reason,
      }))
      .sort((a, b) => byId(a.instance, b.instance));
  }

  /** Calls `listener` after each state change. Returns the function that unsubscribes. */
  onChange(listener: (change: HealthChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops the rounds and waits for the running one to end (each check is bounded by `timeoutMs`). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.round;
  }

  private async runRound(): Promise<void> {
    const current = this.options.instances();
    const ids = new Set(current.map((instance) => instance.id));
    for (const id of this.tracked.keys()) {
      if (!ids.has(id)) this.tracked.delete(id);
    }
    for (const instance of current) {
      const known = this.tracked.get(instance.id);
      // Same id on another address is another process: what we knew no longer applies.
      if (!known || known.instance.url !== instance.url) {
        this.tracked.set(instance.id, {
          instance,
          state: 'unknown',
          checkedAt: undefined,
          reason: undefined,
        });
      } else {
        known.instance = instance;
      }
    }
    await Promise.all(current.map((instance) => this.check(instance)));
  }

  private async check(instance: ServiceInstance): Promise<void> {
    const { state, reason } = await this.probe(instance);
    this.checks.add(1, {
      [ATTR_DISCOVERY_SERVICE]: instance.service,
      [ATTR_HEALTH_CHECK_RESULT]: state,
    });
    const tracked = this.tracked.get(instance.id);
    // Forgotten or replaced while the check ran: its result is about something no longer listed.
    if (!tracked || tracked.instance.url !== instance.url) return;
    const previous = tracked.state;
    tracked.state = state;
    tracked.reason = reason;
    tracked.checkedAt = this.clock.now();
    if (previous === state) return;
    const change: HealthChange = { instance: tracked.instance, previous, current: state, reason };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's bug must not stop the checks of the other instances.
      }
    }
  }

  private async probe(
    instance: ServiceInstance,
  ): Promise<{ state: 'ready' | 'not_ready'; reason: string | undefined }> {
    const controller = new AbortController();
    let timedOut = false;
    const deadline = this.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const response = await this.fetch(`${instance.url.replace(/\/+$/, '')}${this.path}`, {
        signal: controller.signal,
        headers: { accept: 'application/json' },
      });
      // Read the body so the connection goes back to the pool.
      await response.arrayBuffer();
      return response.ok
        ? { state: 'ready', reason: undefined }
        : { state: 'not_ready', reason: `HTTP ${response.status}` };
    } catch (error) {
      if (timedOut) return { state: 'not_ready', reason: `timed out after ${this.timeoutMs} ms` };
      return { state: 'not_ready', reason: describe(error) };
    } finally {
      deadline.cancel();
    }
  }
}

/** `fetch failed` says nothing: the cause (ECONNREFUSED, ...) is what an operator needs. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return `${error.message}: ${cause.code}`;
  return error.message;
}
