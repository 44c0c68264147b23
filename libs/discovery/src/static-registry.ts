import { ChangeCounter } from './change-counter';
import { emitSafely } from './registry';
import type { RegistrationHandle, Registry, RegistryEventListener } from './registry';
import { byId, serviceInstanceSchema } from './service-instance';
import type { ServiceInstance } from './service-instance';

/** The instances of each service, keyed by service name: what the launcher hands out by default. */
export type StaticRegistryConfig = Readonly<Record<string, readonly ServiceInstance[]>>;

/** Options of {@link StaticRegistry}. */
export interface StaticRegistryOptions {
  /** Receives `registered` / `deregistered` events. Default: none. */
  onEvent?: RegistryEventListener;
}

/**
 * A registry held in memory, built from config. `register()` adds to the in-memory set (visible to
 * this process only) and watchers see the change. Nothing expires: an instance that dies stays
 * listed, which is why callers pair it with active health checks.
 */
export class StaticRegistry implements Registry {
  private readonly services = new Map<string, Map<string, ServiceInstance>>();
  private readonly changes = new Map<string, ChangeCounter>();
  private readonly closing = new AbortController();

  /** @throws Error listing every invalid instance in `config` */
  constructor(
    config: StaticRegistryConfig,
    private readonly options: StaticRegistryOptions = {},
  ) {
    const problems: string[] = [];
    for (const [service, instances] of Object.entries(config)) {
      instances.forEach((candidate, index) => {
        const parsed = serviceInstanceSchema.safeParse(candidate);
        const where = `${service}[${index}]`;
        if (!parsed.success) {
          problems.push(
            `${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        } else if (parsed.data.service !== service) {
          problems.push(`${where}: service is "${parsed.data.service}", listed under "${service}"`);
        } else if (this.instancesOf(service).has(parsed.data.id)) {
          problems.push(`${where}: duplicate id "${parsed.data.id}"`);
        } else {
          this.instancesOf(service).set(parsed.data.id, parsed.data);
        }
      });
    }
    if (problems.length > 0) {
      throw new Error(`invalid static registry config:\n  ${problems.join('\n  ')}`);
    }
  }

  async register(instance: ServiceInstance): Promise<RegistrationHandle> {
    if (this.closing.signal.aborted) throw new Error('registry is closed');
    const registered = serviceInstanceSchema.parse(instance);
    this.instancesOf(registered.service).set(registered.id, registered);
    this.changesOf(registered.service).bump();
    emitSafely(this.options.onEvent, {
      type: 'registered',
      service: registered.service,
      instanceId: registered.id,
    });
    return {
      instance: registered,
      deregister: async () => {
        const instances = this.instancesOf(registered.service);
        // Only remove what this handle added: a later register() of the same id replaced it.
        if (instances.get(registered.id) !== registered) return;
        instances.delete(registered.id);
        this.changesOf(registered.service).bump();
        emitSafely(this.options.onEvent, {
          type: 'deregistered',
          service: registered.service,
          instanceId: registered.id,
        });
      },
    };
  }

  async list(service: string): Promise<ServiceInstance[]> {
    return this.snapshot(service);
  }

  async *watch(service: string, signal?: AbortSignal): AsyncGenerator<ServiceInstance[]> {
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const changes = this.changesOf(service);
    while (!stop.aborted) {
      const seen = changes.version;
      yield this.snapshot(service);
      await changes.next(seen, stop);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  private snapshot(service: string): ServiceInstance[] {
    return [...this.instancesOf(service).values()].sort(byId);
  }

  private instancesOf(service: string): Map<string, ServiceInstance> {
    let instances = this.services.get(service);
    if (!instances) {
      instances = new Map();
      this.services.set(service, instances);
    }
    return instances;
  }

  private changesOf(service: string): ChangeCounter {
    let counter = this.changes.get(service);
    if (!counter) {
      counter = new ChangeCounter();
      this.changes.set(service, counter);
    }
    return counter;
  }
}
