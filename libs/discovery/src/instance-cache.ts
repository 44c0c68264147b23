import type {
  BatchObservableCallback,
  Meter,
  MeterProvider,
  ObservableGauge,
} from '@opentelemetry/api';
import { ATTR_DISCOVERY_SERVICE } from './attribute-names';
import { backoffDelay } from './backoff';
import type { BackoffOptions } from './backoff';
import { sleep, systemClock } from './clock';
import type { Clock, ClockTimer } from './clock';
import { discoveryMeter } from './instruments';
import { METRIC_CACHE_STALE, METRIC_CACHE_STALE_AGE } from './metric-names';
import { emitSafely } from './registry';
import type { Registry } from './registry';
import type { ServiceInstance } from './service-instance';

/** Things an {@link InstanceCache} reports so that callers can log and observe them. */
export type InstanceCacheEvent =
  /** The registry failed: the cache keeps serving the last list it had (reported once per streak). */
  | { type: 'stale'; service: string; error: unknown }
  /** The registry answered again after being stale. `staleForMs` is how long it was stale. */
  | { type: 'fresh'; service: string; instances: number; staleForMs: number }
  /** An `onChange` listener threw; the cache carried on. */
  | { type: 'listener-error'; service: string; error: unknown };

/** Called with the new list of a service each time it changes. */
export type InstanceCacheListener = (
  service: string,
  instances: readonly ServiceInstance[],
) => void;

/** Options of {@link InstanceCache}. */
export interface InstanceCacheOptions {
  /** Where the instances come from. */
  registry: Registry;
  /** The services this caller talks to. */
  services: readonly string[];
  /**
   * Interval of the slow full resync (a `list()` of every service) on top of the watch, in
   * milliseconds: catches a watch that went quiet without an error. Default: 30000.
   */
  resyncIntervalMs?: number;
  /** First delay before following a watch again after it failed, in milliseconds. Default: 500. */
  retryInitialDelayMs?: number;
  /** Largest delay between those retries, in milliseconds. Default: 10000. */
  retryMaxDelayMs?: number;
  /** Receives `stale`, `fresh` and `listener-error` events. Default: none. */
  onEvent?: (event: InstanceCacheEvent) => void;
  /** Time source for the resync timer, retry delays and staleness age. Default: the system clock. */
  clock?: Clock;
  /** Source of numbers in [0, 1) for retry jitter. Default: `Math.random`. */
  random?: () => number;
  /** Where the staleness gauges go. Default: the global provider of `@opentelemetry/api`. */
  meterProvider?: MeterProvider;
}

interface ServiceEntry {
  instances: readonly ServiceInstance[];
  /** `loading` until the first list arrives; `stale` after a registry error, until the next list. */
  status: 'loading' | 'fresh' | 'stale';
  /** Since when the list has not been known current (ms epoch); undefined while fresh. */
  staleSince: number | undefined;
  /** Bumped by every accepted list, so a slow resync cannot overwrite a newer watch update. */
  generation: number;
}

const EMPTY: readonly ServiceInstance[] = Object.freeze([]);

/**
 * The instances of the services one caller talks to, kept in memory: `instances()` is a plain
 * synchronous read for the request hot path. Filled by a watch per service and a slow periodic
 * resync. When the registry fails, the last known-good list keeps being served and the service is
 * marked stale (event, gauge) until the registry answers again.
 */
export class InstanceCache {
  private readonly entries = new Map<string, ServiceEntry>();
  private readonly listeners = new Set<InstanceCacheListener>();
  private readonly stopping = new AbortController();
  private readonly clock: Clock;
  private readonly retry: BackoffOptions;
  private readonly resyncIntervalMs: number;
  private readonly loops: Promise<void>[] = [];
  private readonly staleGauge: ObservableGauge;
  private readonly staleAgeGauge: ObservableGauge;
  private readonly observeStaleness: BatchObservableCallback;
  private readonly meter: Meter;
  private resyncTimer: ClockTimer | undefined;
  private started: Promise<void> | undefined;

  constructor(private readonly options: InstanceCacheOptions) {
    this.clock = options.clock ?? systemClock;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 30_000;
    this.retry = {
      initialDelayMs: options.retryInitialDelayMs ?? 500,
      maxDelayMs: options.retryMaxDelayMs ?? 10_000,
    };
    const now = this.clock.now();
    for (const service of new Set(options.services)) {
      this.entries.set(service, {
        instances: EMPTY,
        status: 'loading',
        staleSince: now,
        generation: 0,
      });
    }
    this.meter = discoveryMeter(options.meterProvider);
    this.staleGauge = this.meter.createObservableGauge(METRIC_CACHE_STALE, {
      description: 'Whether the cached instance list of a service is stale (1) or current (0).',
    });
    this.staleAgeGauge = this.meter.createObservableGauge(METRIC_CACHE_STALE_AGE, {
      description:
        'How long the cached instance list of a service has been stale (0 while current).',
      unit: 's',
    });
    this.observeStaleness = (observer) => {
      const time = this.clock.now();
      for (const [service, entry] of this.entries) {
        const attributes = { [ATTR_DISCOVERY_SERVICE]: service };
        observer.observe(this.staleGauge, entry.status === 'fresh' ? 0 : 1, attributes);
        const age =
          entry.staleSince === undefined ? 0 : Math.max(0, time - entry.staleSince) / 1000;
        observer.observe(this.staleAgeGauge, age, attributes);
      }
    };
  }

  /**
   * Starts following every service. Resolves once each service has had its first answer, a list
   * or an error: a caller can start serving then, even with the registry down.
   */
  start(): Promise<void> {
    this.started ??= this.begin();
    return this.started;
  }

  /** The known instances of `service`, sorted by id; empty before the first list or if not followed. */
  instances(service: string): readonly ServiceInstance[] {
    return this.entries.get(service)?.instances ?? EMPTY;
  }

  /** True until the first list of `service` arrived and whenever the registry has failed since. */
  isStale(service: string): boolean {
    return this.entries.get(service)?.status !== 'fresh';
  }

  /** Calls `listener` after each change of a service's list. Returns the function that unsubscribes. */
  onChange(listener: InstanceCacheListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Lists every service now (what the periodic resync does); a failure marks the service stale. */
  async resync(): Promise<void> {
    await Promise.all(
      [...this.entries].map(async ([service, entry]) => {
        const generation = entry.generation;
        try {
          const instances = await this.options.registry.list(service);
          // The watch delivered something newer while the list was on its way: keep that.
          if (entry.generation === generation && !this.stopping.signal.aborted)
            this.accept(service, instances);
        } catch (error) {
          if (!this.stopping.signal.aborted) this.markStale(service, error);
        }
      }),
    );
  }

  /** Stops the watches and the resync timer; the last lists stay readable. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.resyncTimer?.cancel();
    this.meter.removeBatchObservableCallback(this.observeStaleness, [
      this.staleGauge,
      this.staleAgeGauge,
    ]);
    await Promise.allSettled(this.loops);
  }

  private async begin(): Promise<void> {
    this.meter.addBatchObservableCallback(this.observeStaleness, [
      this.staleGauge,
      this.staleAgeGauge,
    ]);
    const firstAnswers = [...this.entries.keys()].map(
      (service) =>
        new Promise<void>((answered) => {
          this.loops.push(this.follow(service, answered));
        }),
    );
    this.scheduleResync();
    await Promise.all(firstAnswers);
  }

  /** Follows one service's watch for as long as the cache runs, retrying when it fails. */
  private async follow(service: string, answered: () => void): Promise<void> {
    const signal = this.stopping.signal;
    const onError = (error: unknown) => {
      this.markStale(service, error);
      answered();
    };
    let failures = 0;
    while (!signal.aborted) {
      try {
        for await (const instances of this.options.registry.watch(service, signal, { onError })) {
          if (signal.aborted) break;
          failures = 0;
          this.accept(service, instances);
          answered();
        }
        if (signal.aborted) break;
        throw new Error(`the watch of ${service} ended`);
      } catch (error) {
        if (signal.aborted) break;
        onError(error);
        failures++;
        await sleep(
          this.clock,
          backoffDelay(failures, this.retry, this.options.random ?? Math.random),
          signal,
        );
      }
    }
    answered();
  }

  private scheduleResync(): void {
    if (this.stopping.signal.aborted) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      void this.resync().finally(() => this.scheduleResync());
    }, this.resyncIntervalMs);
  }

  private accept(service: string, instances: readonly ServiceInstance[]): void {
    const entry = this.entries.get(service);
    if (!entry) return;
    entry.generation++;
    if (entry.status === 'stale') {
      const staleForMs = this.clock.now() - (entry.staleSince ?? this.clock.now());
      emitSafely(this.options.onEvent, {
        type: 'fresh',
        service,
        instances: instances.length,
        staleForMs,
      });
    }
    entry.status = 'fresh';
    entry.staleSince = undefined;
    if (sameInstances(entry.instances, instances)) return;
    entry.instances = Object.freeze([...instances]);
    for (const listener of this.listeners) {
      try {
        listener(service, entry.instances);
      } catch (error) {
        emitSafely(this.options.onEvent, { type: 'listener-error', service, error });
      }
    }
  }

  private markStale(service: string, error: unknown): void {
    const entry = this.entries.get(service);
    if (!entry || entry.status === 'stale') return;
    entry.status = 'stale';
    entry.staleSince ??= this.clock.now();
    emitSafely(this.options.onEvent, { type: 'stale', service, error });
  }
}

function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  return a.length === b.length && JSON.stringify(a) === JSON.stringify(b);
}
