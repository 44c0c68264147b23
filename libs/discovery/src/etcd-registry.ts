import type { Counter, MeterProvider } from '@opentelemetry/api';
import { Etcd3 } from 'etcd3';
import type { IKeyValue, Lease, Watcher } from 'etcd3';
import {
  ATTR_DISCOVERY_SERVICE,
  ATTR_ERROR_TYPE,
  ATTR_REGISTRY,
  ATTR_REGISTRY_OPERATION,
  ATTR_REREGISTRATION_REASON,
} from './attribute-names';
import { backoffDelay } from './backoff';
import type { BackoffOptions } from './backoff';
import { ChangeCounter } from './change-counter';
import { sleep, systemClock } from './clock';
import type { Clock, ClockTimer } from './clock';
import { discoveryMeter, errorType } from './instruments';
import {
  METRIC_LEASE_KEEPALIVE_FAILURES,
  METRIC_REGISTRY_ERRORS,
  METRIC_REREGISTRATIONS,
} from './metric-names';
import { emitSafely } from './registry';
import type {
  RegistrationHandle,
  Registry,
  RegistryEvent,
  RegistryEventListener,
  ReregistrationReason,
  WatchOptions,
} from './registry';
import { byId, parseServiceInstance, serviceInstanceSchema } from './service-instance';
import type { ServiceInstance } from './service-instance';

/** Options of {@link EtcdRegistry}. */
export interface EtcdRegistryOptions {
  /** etcd client URLs, e.g. `['http://127.0.0.1:2379']`. Required, even when `client` is given. */
  endpoints: readonly string[];
  /** Key prefix; an instance lives at `{prefix}/{service}/{id}`. Default: `/services`. */
  prefix?: string;
  /**
   * Lease time-to-live, in seconds (whole, at least 1; etcd raises it to its own minimum, about 2).
   * An instance that dies without deregistering disappears after at most this long. Default: 10.
   */
  leaseTtlSeconds?: number;
  /**
   * How often each registration checks that its lease and key still exist, in milliseconds: the
   * guard against a keepalive that died without a word (etcd3 issue #110).
   * Default: a third of the lease TTL.
   */
  leaseCheckIntervalMs?: number;
  /**
   * Send lease keepalives. `false` leaves each lease to expire and the lease check alone to register
   * again: what a silently dead keepalive looks like, for tests and failure drills. Default: true.
   */
  keepAlive?: boolean;
  /** Deadline of each unary etcd call (grant, put, get, revoke), in milliseconds. Default: 2000. */
  callTimeoutMs?: number;
  /** First delay before retrying a failed re-registration or watch, in milliseconds. Default: 200. */
  retryInitialDelayMs?: number;
  /** Largest delay between those retries, in milliseconds. Default: 5000. */
  retryMaxDelayMs?: number;
  /** Receives what happens to leases and watches, for logs. Default: none. */
  onEvent?: RegistryEventListener;
  /** Time source for the lease check and retry delays. Default: the system clock. */
  clock?: Clock;
  /** Source of numbers in [0, 1) for retry jitter. Default: `Math.random`. */
  random?: () => number;
  /** Where the metrics go. Default: the global provider of `@opentelemetry/api`. */
  meterProvider?: MeterProvider;
  /**
   * An etcd3 client to use instead of building one from `endpoints`; the registry then leaves
   * closing it to the caller. Default: a client built and owned by the registry.
   */
  client?: Etcd3;
}

/** What the registrations of one registry share. */
interface RegistrationContext {
  readonly client: Etcd3;
  readonly ttlSeconds: number;
  readonly checkIntervalMs: number;
  readonly keepAlive: boolean;
  readonly clock: Clock;
  readonly retry: BackoffOptions;
  readonly random: () => number;
  emit(event: RegistryEvent): void;
  countError(operation: string, error: unknown): void;
  countKeepaliveFailure(service: string): void;
  countReregistration(service: string, reason: ReregistrationReason): void;
}

/**
 * A {@link Registry} on etcd v3. Each instance is a key `{prefix}/{service}/{id}` holding the
 * instance as JSON, attached to a lease kept alive by the client: a process that dies stops the
 * keepalive and etcd deletes the key when the lease expires. A lost lease is granted again and the
 * key written again; a periodic lease check catches keepalives that stopped silently. Watches start
 * at the revision of the list they follow, so no change between list and watch is missed, and they
 * list again after any watch error. See docs/discovery.md.
 */
export class EtcdRegistry implements Registry {
  private readonly client: Etcd3;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly context: RegistrationContext;
  private readonly registrations = new Set<EtcdRegistration>();
  private readonly watches = new Set<PrefixWatch>();
  private readonly closing = new AbortController();
  private readonly registryErrors: Counter;

  constructor(options: EtcdRegistryOptions) {
    const ttlSeconds = options.leaseTtlSeconds ?? 10;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new RangeError(`leaseTtlSeconds must be a whole number >= 1, got ${ttlSeconds}`);
    }
    if (options.endpoints.length === 0 && !options.client) {
      throw new RangeError('EtcdRegistry needs at least one endpoint');
    }
    const callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.prefix = (options.prefix ?? '/services').replace(/\/+$/, '');
    this.ownsClient = !options.client;
    this.client =
      options.client ??
      new Etcd3({
        hosts: [...options.endpoints],
        // Unary calls get a deadline so that nothing hangs while etcd is away; the keepalive and
        // watch streams are long-lived and must not.
        defaultCallOptions: (call) =>
          call.isStream ? {} : { deadline: Date.now() + callTimeoutMs },
      });

    const meter = discoveryMeter(options.meterProvider);
    this.registryErrors = meter.createCounter(METRIC_REGISTRY_ERRORS, {
      description: 'Failed registry operations and registry values that did not parse.',
      unit: '{error}',
    });
    const keepaliveFailures = meter.createCounter(METRIC_LEASE_KEEPALIVE_FAILURES, {
      description: 'Lease keepalive attempts that failed.',
      unit: '{failure}',
    });
    const reregistrations = meter.createCounter(METRIC_REREGISTRATIONS, {
      description: 'Registrations made again after their lease or key was lost.',
      unit: '{registration}',
    });

    this.context = {
      client: this.client,
      ttlSeconds,
      checkIntervalMs: options.leaseCheckIntervalMs ?? (ttlSeconds * 1000) / 3,
      keepAlive: options.keepAlive ?? true,
      clock: options.clock ?? systemClock,
      retry: {
        initialDelayMs: options.retryInitialDelayMs ?? 200,
        maxDelayMs: options.retryMaxDelayMs ?? 5000,
      },
      random: options.random ?? Math.random,
      emit: (event) => emitSafely(options.onEvent, event),
      countError: (operation, error) => this.countError(operation, error),
      countKeepaliveFailure: (service) =>
        keepaliveFailures.add(1, { [ATTR_DISCOVERY_SERVICE]: service }),
      countReregistration: (service, reason) =>
        reregistrations.add(1, {
          [ATTR_DISCOVERY_SERVICE]: service,
          [ATTR_REREGISTRATION_REASON]: reason.replaceAll('-', '_'),
        }),
    };
  }

  /** The etcd key of an instance. */
  keyOf(service: string, instanceId: string): string {
    return `${this.prefix}/${service}/${instanceId}`;
  }

  async register(instance: ServiceInstance): Promise<RegistrationHandle> {
    if (this.closing.signal.aborted) throw new Error('registry is closed');
    const registered = serviceInstanceSchema.parse(instance);
    const registration = new EtcdRegistration(
      this.context,
      registered,
      this.keyOf(registered.service, registered.id),
    );
    try {
      await registration.start();
    } catch (error) {
      this.countError('register', error);
      throw error;
    }
    this.registrations.add(registration);
    this.context.emit({
      type: 'registered',
      service: registered.service,
      instanceId: registered.id,
    });
    let deregistering: Promise<void> | undefined;
    return {
      instance: registered,
      deregister: () => {
        deregistering ??= this.deregister(registration);
        return deregistering;
      },
    };
  }

  async list(service: string): Promise<ServiceInstance[]> {
    try {
      const { entries } = await this.read(service);
      return [...entries.values()].sort(byId);
    } catch (error) {
      this.countError('list', error);
      throw error;
    }
  }

  async *watch(
    service: string,
    signal?: AbortSignal,
    options: WatchOptions = {},
  ): AsyncGenerator<ServiceInstance[]> {
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    let failures = 0;
    while (!stop.aborted) {
      let session: PrefixWatch | undefined;
      try {
        const { entries, revision } = await this.read(service);
        session = new PrefixWatch(
          this.client,
          this.servicePrefix(service),
          revision,
          entries,
          (kv) => this.decode(service, kv),
        );
        this.watches.add(session);
        if (failures > 0) {
          this.context.emit({ type: 'resynced', service, instances: entries.size, revision });
        }
        failures = 0;
        let seen = session.changes.version;
        let last = session.snapshot();
        yield last;
        for (;;) {
          await session.changes.next(seen, stop);
          if (stop.aborted) return;
          if (session.error !== undefined) throw session.error;
          seen = session.changes.version;
          const current = session.snapshot();
          // A re-registration writes the same value again on a new lease: callers only hear of
          // real changes.
          if (JSON.stringify(current) === JSON.stringify(last)) continue;
          last = current;
          yield current;
        }
      } catch (error) {
        if (stop.aborted) return;
        failures++;
        const retryInMs = backoffDelay(failures, this.context.retry, this.context.random);
        this.countError('watch', error);
        this.context.emit({ type: 'watch-error', service, error, retryInMs });
        emitSafely(options.onError, error);
        await sleep(this.context.clock, retryInMs, stop);
      } finally {
        if (session) {
          session.close();
          this.watches.delete(session);
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    // A consumer that stopped iterating without return() still holds a watch: end them all here.
    for (const session of this.watches) session.close();
    this.watches.clear();
    await Promise.allSettled(
      [...this.registrations].map((registration) => this.deregister(registration)),
    );
    if (this.ownsClient) this.client.close();
  }

  private async deregister(registration: EtcdRegistration): Promise<void> {
    try {
      await registration.stop();
    } catch (error) {
      this.countError('deregister', error);
      throw error;
    } finally {
      this.registrations.delete(registration);
    }
    this.context.emit({
      type: 'deregistered',
      service: registration.instance.service,
      instanceId: registration.instance.id,
    });
  }

  private servicePrefix(service: string): string {
    return `${this.prefix}/${service}/`;
  }

  /** Lists a service's keys with the revision they were read at. */
  private async read(
    service: string,
  ): Promise<{ entries: Map<string, ServiceInstance>; revision: string }> {
    const response = await this.client.getAll().prefix(this.servicePrefix(service)).exec();
    const entries = new Map<string, ServiceInstance>();
    for (const kv of response.kvs) {
      const instance = this.decode(service, kv);
      if (instance) entries.set(kv.key.toString(), instance);
    }
    return { entries, revision: response.header.revision };
  }

  /** Turns a stored value into an instance, or reports it and returns undefined. */
  private decode(service: string, kv: IKeyValue): ServiceInstance | undefined {
    const key = kv.key.toString();
    const parsed = parseServiceInstance(kv.value.toString());
    let reason: string | undefined;
    if (!parsed.ok) reason = parsed.reason;
    else if (
      key !== this.keyOf(parsed.instance.service, parsed.instance.id) ||
      parsed.instance.service !== service
    ) {
      reason = `value names ${parsed.instance.service}/${parsed.instance.id}, which does not match its key`;
    }
    if (reason === undefined && parsed.ok) return parsed.instance;
    this.recordError('decode', 'invalid_value');
    this.context.emit({ type: 'invalid-instance', service, key, reason: reason ?? 'invalid' });
    return undefined;
  }

  private countError(operation: string, error: unknown): void {
    this.recordError(operation, errorType(error));
  }

  private recordError(operation: string, type: string): void {
    this.registryErrors.add(1, {
      [ATTR_REGISTRY]: 'etcd',
      [ATTR_REGISTRY_OPERATION]: operation,
      [ATTR_ERROR_TYPE]: type,
    });
  }
}

/**
 * One watch of a service prefix, from the revision after a list. It applies puts and deletes to
 * the listed entries; the first disconnect or error breaks it for good, and the owner lists again
 * rather than trusting the client's own reconnection.
 */
class PrefixWatch {
  readonly changes = new ChangeCounter();
  /** Why the watch broke; undefined while it works. */
  error: unknown = undefined;
  private closed = false;
  private readonly watcher: Watcher;

  constructor(
    client: Etcd3,
    prefix: string,
    listRevision: string,
    private readonly entries: Map<string, ServiceInstance>,
    decode: (kv: IKeyValue) => ServiceInstance | undefined,
  ) {
    this.watcher = client
      .watch()
      .prefix(prefix)
      .startRevision((BigInt(listRevision) + 1n).toString())
      .watcher();
    this.watcher.on('put', (kv) => {
      if (this.closed) return;
      const instance = decode(kv);
      // A bad value replacing a good one removes the instance: its address can no longer be trusted.
      if (instance) this.entries.set(kv.key.toString(), instance);
      else this.entries.delete(kv.key.toString());
      this.changes.bump();
    });
    this.watcher.on('delete', (kv) => {
      if (this.closed) return;
      this.entries.delete(kv.key.toString());
      this.changes.bump();
    });
    this.watcher.on('disconnected', (error) => this.fail(error));
    this.watcher.on('error', (error) => this.fail(error));
  }

  snapshot(): ServiceInstance[] {
    return [...this.entries.values()].sort(byId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // While etcd is away the cancel waits for a reconnect that may never come: do not wait for it.
    this.watcher.cancel().catch(() => undefined);
  }

  private fail(error: unknown): void {
    if (this.closed || this.error !== undefined) return;
    this.error = error ?? new Error('etcd watch broke');
    this.changes.bump();
  }
}

/** One instance's key and lease, kept alive and re-established until deregistered. */
class EtcdRegistration {
  private lease: Lease | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private checkTimer: ClockTimer | undefined;
  private recovery: Promise<void> | undefined;
  private keepaliveFailing = false;

  constructor(
    private readonly context: RegistrationContext,
    readonly instance: ServiceInstance,
    private readonly key: string,
  ) {}

  async start(): Promise<void> {
    await this.putWithNewLease();
    this.scheduleCheck();
  }

  /** Stops the checks and revokes the lease, which deletes the key at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.checkTimer?.cancel();
    await this.recovery;
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      lease.removeAllListeners();
      await lease.revoke();
    }
  }

  private async putWithNewLease(): Promise<void> {
    const lease = this.context.client.lease(this.context.ttlSeconds, {
      autoKeepAlive: this.context.keepAlive,
    });
    lease.on('lost', (error) => this.onLeaseLost(lease, error));
    lease.on('keepaliveFailed', (error) => this.onKeepaliveFailed(lease, error));
    lease.on('keepaliveSucceeded', () => {
      this.keepaliveFailing = false;
    });
    try {
      await lease.put(this.key).value(JSON.stringify(this.instance));
    } catch (error) {
      lease.removeAllListeners();
      await lease.revoke().catch(() => undefined);
      throw error;
    }
    this.lease = lease;
  }

  private onLeaseLost(lease: Lease, error: unknown): void {
    if (this.stopped || lease !== this.lease) return;
    this.recover('lease-lost', error);
  }

  private onKeepaliveFailed(lease: Lease, error: unknown): void {
    if (this.stopped || lease !== this.lease) return;
    this.context.countKeepaliveFailure(this.instance.service);
    // The client retries every 100 ms while etcd is away: report the first failure of a streak only.
    if (this.keepaliveFailing) return;
    this.keepaliveFailing = true;
    this.context.emit({
      type: 'keepalive-failed',
      service: this.instance.service,
      instanceId: this.instance.id,
      error,
    });
  }

  private scheduleCheck(): void {
    if (this.stopped) return;
    this.checkTimer = this.context.clock.setTimeout(() => {
      void this.check().finally(() => this.scheduleCheck());
    }, this.context.checkIntervalMs);
  }

  /** Verifies with etcd itself that the lease lives and still holds the key. */
  private async check(): Promise<void> {
    const lease = this.lease;
    if (this.stopped || this.recovery || !lease) return;
    try {
      const id = await lease.grant();
      const timeToLive = await this.context.client.leaseClient.leaseTimeToLive({ ID: id });
      if (lease !== this.lease || this.stopped) return;
      // etcd answers TTL -1 for a lease it does not know (expired or revoked).
      if (Number(timeToLive.TTL) < 0) {
        this.recover('lease-missing');
        return;
      }
      const stored = await this.context.client.get(this.key).exec();
      if (lease !== this.lease || this.stopped) return;
      if (stored.kvs[0]?.lease !== id) this.recover('key-missing');
    } catch (error) {
      if (this.stopped) return;
      this.context.countError('lease_check', error);
      this.context.emit({
        type: 'lease-check-failed',
        service: this.instance.service,
        instanceId: this.instance.id,
        error,
      });
    }
  }

  private recover(reason: ReregistrationReason, error?: unknown): void {
    if (this.stopped || this.recovery) return;
    const { service, id } = this.instance;
    this.context.emit({
      type: 'lease-lost',
      service,
      instanceId: id,
      reason,
      ...(error === undefined ? {} : { error }),
    });
    this.recovery = this.reregister(reason).finally(() => {
      this.recovery = undefined;
    });
  }

  private async reregister(reason: ReregistrationReason): Promise<void> {
    const { service, id } = this.instance;
    const old = this.lease;
    this.lease = undefined;
    if (old) {
      old.removeAllListeners();
      // Stops its keepalive; if the lease still lives (key-missing), nothing else should use it.
      await old.revoke().catch(() => undefined);
    }
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.putWithNewLease();
        this.keepaliveFailing = false;
        this.context.countReregistration(service, reason);
        this.context.emit({
          type: 'reregistered',
          service,
          instanceId: id,
          reason,
          attempts: attempt,
        });
        return;
      } catch (error) {
        if (this.stopped) return;
        const retryInMs = backoffDelay(attempt, this.context.retry, this.context.random);
        this.context.countError('register', error);
        this.context.emit({ type: 'reregister-failed', service, instanceId: id, error, retryInMs });
        await sleep(this.context.clock, retryInMs, this.stopping.signal);
      }
    }
  }
}
