import type { ServiceInstance } from './service-instance';

/** What {@link Registry.register} returns: the way to leave the registry again. */
export interface RegistrationHandle {
  /** The instance as registered. */
  readonly instance: ServiceInstance;
  /**
   * Removes the instance from the registry at once (etcd: revokes its lease). A service calls it
   * first on SIGTERM, before draining, so callers stop picking it. Calling it twice does nothing.
   */
  deregister(): Promise<void>;
}

/** Extra hooks of {@link Registry.watch}. */
export interface WatchOptions {
  /**
   * Called each time the watch breaks or a resync fails (registry unreachable, watch cancelled).
   * The iterable goes on and yields the whole list again once the registry answers; until then the
   * last list it yielded may be out of date.
   */
  onError?: (error: unknown) => void;
}

/**
 * Where instances announce themselves and callers find them. Implementations: `StaticRegistry`
 * (an in-memory list from config) and `EtcdRegistry` (leases, keepalive, watch).
 */
export interface Registry {
  /** Announces an instance; it stays listed until deregistered (or, with etcd, until it dies). */
  register(instance: ServiceInstance): Promise<RegistrationHandle>;
  /** The instances of `service` now, sorted by id. Rejects when the registry cannot be reached. */
  list(service: string): Promise<ServiceInstance[]>;
  /**
   * Follows `service`: yields whole lists, sorted by id, the current one first and a new one after
   * every change (and after every resync). Registry errors do not end it: they go to
   * `options.onError` while it retries. It ends when `signal` aborts or the registry is closed.
   */
  watch(
    service: string,
    signal?: AbortSignal,
    options?: WatchOptions,
  ): AsyncIterable<ServiceInstance[]>;
  /** Ends every watch, deregisters what this registry still holds, and releases connections. */
  close(): Promise<void>;
}

/** Things a registry reports so that callers can log and observe them (libraries do not log). */
export type RegistryEvent =
  | { type: 'registered'; service: string; instanceId: string }
  | { type: 'deregistered'; service: string; instanceId: string }
  | {
      type: 'lease-lost';
      service: string;
      instanceId: string;
      /**
       * `lease-lost`: the etcd client reported the lease expired or revoked;
       * `lease-missing`: the periodic check found the lease gone while keepalive said nothing;
       * `key-missing`: the lease lives but the key was deleted.
       */
      reason: ReregistrationReason;
      error?: unknown;
    }
  | {
      type: 'reregistered';
      service: string;
      instanceId: string;
      reason: ReregistrationReason;
      attempts: number;
    }
  | {
      type: 'reregister-failed';
      service: string;
      instanceId: string;
      error: unknown;
      retryInMs: number;
    }
  | { type: 'keepalive-failed'; service: string; instanceId: string; error: unknown }
  | { type: 'lease-check-failed'; service: string; instanceId: string; error: unknown }
  | { type: 'watch-error'; service: string; error: unknown; retryInMs: number }
  | { type: 'resynced'; service: string; instances: number; revision: string }
  | { type: 'invalid-instance'; service: string; key: string; reason: string };

/** Why a registration had to be made again. */
export type ReregistrationReason = 'lease-lost' | 'lease-missing' | 'key-missing';

/** Receives {@link RegistryEvent}s. It must not throw; what it throws is ignored. */
export type RegistryEventListener = (event: RegistryEvent) => void;

/** Calls a listener, never letting its failure break the registry. */
export function emitSafely<E>(listener: ((event: E) => void) | undefined, event: E): void {
  if (!listener) return;
  try {
    listener(event);
  } catch {
    // A listener's bug must not break discovery; the event is informational.
  }
}
