import { ATTR_MESH_INSTANCE, ATTR_MESH_UPSTREAM } from './attribute-names';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { instruments } from './instruments';

/** Options of {@link OutlierDetector}; names and defaults follow Envoy's outlier detection. */
export interface OutlierDetectorOptions {
  /** Consecutive failed calls that eject an instance. Default 5. */
  consecutiveFailures?: number;
  /** Ejection time (ms) of a first ejection; the n-th lasts n times as long. Default 30000. */
  baseEjectionTimeMs?: number;
  /** Cap (ms) on any ejection time. Default 300000. */
  maxEjectionTimeMs?: number;
  /**
   * At most this share (%) of the instances is ejected at once, though one instance may always
   * be ejected. Default 50 (Envoy's default is 10, which never ejects anything below 10 hosts
   * but the one always allowed).
   */
  maxEjectionPercent?: number;
  /** Upstream label for metrics and events. Default `'default'`. */
  upstream?: string;
  /** Time source. Default {@link systemClock}. */
  clock?: Clock;
}

/** Given to {@link OutlierDetector.onEject} listeners. */
export interface EjectionEvent {
  readonly upstream: string;
  readonly id: string;
  /** How long this ejection lasts, in ms. */
  readonly ejectionTimeMs: number;
  /** Ejections counted for the multiplier, this one included. */
  readonly timesEjected: number;
  /** Clock reading (ms) at which the instance returns. */
  readonly until: number;
}

/** What the detector knows about one instance, for `/admin/status`. */
export interface OutlierHostSnapshot {
  readonly id: string;
  readonly ejected: boolean;
  /** While ejected: ms until it returns. */
  readonly remainingMs?: number;
  readonly consecutiveFailures: number;
  readonly timesEjected: number;
}

interface Host {
  consecutiveFailures: number;
  timesEjected: number;
  ejectedUntil: number | undefined;
  returnedAt: number | undefined;
}

/**
 * Passive health checking as in Envoy: instances that fail `consecutiveFailures` calls in a row
 * are ejected from load balancing for `baseEjectionTimeMs × times ejected` (capped), never more
 * than `maxEjectionPercent` of them at once. The multiplier falls by one for every
 * `baseEjectionTimeMs` an instance stays in service. Report every call with `record`; route
 * only to `filter(endpoints)`.
 */
export class OutlierDetector {
  readonly upstream: string;
  private readonly threshold: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxPercent: number;
  private readonly clock: Clock;
  private readonly hosts = new Map<string, Host>();
  private readonly listeners = new Set<(event: EjectionEvent) => void>();
  private population = 0;

  constructor(options: OutlierDetectorOptions = {}) {
    this.upstream = options.upstream ?? 'default';
    this.threshold = options.consecutiveFailures ?? 5;
    this.baseMs = options.baseEjectionTimeMs ?? 30_000;
    this.maxMs = options.maxEjectionTimeMs ?? 300_000;
    this.maxPercent = options.maxEjectionPercent ?? 50;
    this.clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new RangeError(`consecutiveFailures must be a whole number ≥ 1, got ${this.threshold}`);
    }
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) {
      throw new RangeError('need 0 < baseEjectionTimeMs ≤ maxEjectionTimeMs');
    }
    if (!(this.maxPercent >= 0 && this.maxPercent <= 100)) {
      throw new RangeError(`maxEjectionPercent must be in [0, 100], got ${this.maxPercent}`);
    }
  }

  /** Reports the outcome of a call to instance `id` (ok = the upstream handled it). */
  record(id: string, ok: boolean): void {
    const now = this.clock.now();
    const host = this.host(id);
    this.returnIfDue(host, now);
    if (host.ejectedUntil !== undefined) return; // late results of calls made before ejection
    if (ok) {
      host.consecutiveFailures = 0;
      return;
    }
    host.consecutiveFailures += 1;
    if (host.consecutiveFailures >= this.threshold && this.mayEjectAnother(now)) {
      this.eject(id, host, now);
    }
  }

  /**
   * The instances to balance over: `endpoints` minus the ejected ones. If that would leave
   * nothing, the least bad instead: the ejected instance(s) due back soonest, so the caller still
   * has somewhere to send traffic. Pass the full current list: it also defines the population
   * for `maxEjectionPercent`, and instances absent from it are forgotten.
   */
  filter<E extends { readonly id: string }>(endpoints: readonly E[]): E[] {
    const now = this.clock.now();
    const present = new Set(endpoints.map((e) => e.id));
    for (const id of this.hosts.keys()) if (!present.has(id)) this.hosts.delete(id);
    this.population = present.size;
    for (const host of this.hosts.values()) this.returnIfDue(host, now);
    this.enforceMaxEjected(now);

    const usable = endpoints.filter((e) => !this.isEjectedAt(e.id, now));
    if (usable.length > 0 || endpoints.length === 0) return usable;
    const returnsAt = (e: E) => this.hosts.get(e.id)?.ejectedUntil ?? now;
    const soonest = Math.min(...endpoints.map(returnsAt));
    return endpoints.filter((e) => returnsAt(e) === soonest);
  }

  isEjected(id: string): boolean {
    return this.isEjectedAt(id, this.clock.now());
  }

  snapshot(): OutlierHostSnapshot[] {
    const now = this.clock.now();
    return [...this.hosts].map(([id, host]) => {
      this.returnIfDue(host, now);
      const base = {
        id,
        ejected: host.ejectedUntil !== undefined,
        consecutiveFailures: host.consecutiveFailures,
        timesEjected: host.timesEjected,
      };
      return host.ejectedUntil === undefined
        ? base
        : { ...base, remainingMs: host.ejectedUntil - now };
    });
  }

  /**
   * Calls `listener` on every ejection. A listener must not throw; if it does, the error is
   * ignored. @returns a function that removes the listener.
   */
  onEject(listener: (event: EjectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private eject(id: string, host: Host, now: number): void {
    if (host.returnedAt !== undefined) {
      const healthyPeriods = Math.floor((now - host.returnedAt) / this.baseMs);
      host.timesEjected = Math.max(0, host.timesEjected - healthyPeriods);
    }
    host.timesEjected += 1;
    const ejectionTimeMs = Math.min(this.maxMs, this.baseMs * host.timesEjected);
    host.ejectedUntil = now + ejectionTimeMs;
    host.returnedAt = undefined;
    instruments().outlierEjections.add(1, {
      [ATTR_MESH_UPSTREAM]: this.upstream,
      [ATTR_MESH_INSTANCE]: id,
    });
    const event: EjectionEvent = {
      upstream: this.upstream,
      id,
      ejectionTimeMs,
      timesEjected: host.timesEjected,
      until: host.ejectedUntil,
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A faulty listener must not break the call that reported the failure.
      }
    }
  }

  /** Ejected instances allowed at once: maxEjectionPercent of the population, at least one. */
  private allowedEjections(): number {
    const population = Math.max(this.population, this.hosts.size);
    return Math.max(1, Math.floor((population * this.maxPercent) / 100));
  }

  private mayEjectAnother(now: number): boolean {
    return this.ejectedHosts(now).length < this.allowedEjections();
  }

  /** After the population shrank, return the instances due back soonest until within bounds. */
  private enforceMaxEjected(now: number): void {
    const ejected = this.ejectedHosts(now).sort(
      (a, b) => (a.ejectedUntil ?? now) - (b.ejectedUntil ?? now),
    );
    const excess = ejected.length - this.allowedEjections();
    for (const host of ejected.slice(0, Math.max(0, excess))) this.returnHost(host, now);
  }

  private ejectedHosts(now: number): Host[] {
    const ejected: Host[] = [];
    for (const host of this.hosts.values()) {
      this.returnIfDue(host, now);
      if (host.ejectedUntil !== undefined) ejected.push(host);
    }
    return ejected;
  }

  private isEjectedAt(id: string, now: number): boolean {
    const host = this.hosts.get(id);
    if (!host) return false;
    this.returnIfDue(host, now);
    return host.ejectedUntil !== undefined;
  }

  private returnIfDue(host: Host, now: number): void {
    // It came back at `ejectedUntil`, whenever we happen to notice.
    if (host.ejectedUntil !== undefined && now >= host.ejectedUntil) {
      this.returnHost(host, host.ejectedUntil);
    }
  }

  private returnHost(host: Host, at: number): void {
    host.ejectedUntil = undefined;
    host.returnedAt = at;
    host.consecutiveFailures = 0;
  }

  private host(id: string): Host {
    let host = this.hosts.get(id);
    if (!host) {
      host = {
        consecutiveFailures: 0,
        timesEjected: 0,
        ejectedUntil: undefined,
        returnedAt: undefined,
      };
      this.hosts.set(id, host);
    }
    return host;
  }
}
