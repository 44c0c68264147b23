import { ChangeCounter } from '../src/change-counter';
import type { RegistrationHandle, Registry, WatchOptions } from '../src/registry';
import type { ServiceInstance } from '../src/service-instance';

/**
 * A registry the test steers by hand: it sets what `list()` and the watches see, and can make the
 * registry fail (every call and every open watch throws) or come back.
 */
export class FakeRegistry implements Registry {
  private readonly lists = new Map<string, ServiceInstance[]>();
  private readonly changes = new ChangeCounter();
  private failure: Error | undefined;
  /** How many times watch() was called. */
  watchCalls = 0;
  /** How many times list() was called. */
  listCalls = 0;
  /** When set, list() waits for this promise before answering. */
  listGate: Promise<void> | undefined;

  set(service: string, instances: ServiceInstance[], { quietly = false } = {}): void {
    this.lists.set(service, instances);
    if (!quietly) this.changes.bump();
  }

  fail(error = new Error('registry unreachable')): void {
    this.failure = error;
    this.changes.bump();
  }

  recover(): void {
    this.failure = undefined;
  }

  async register(): Promise<RegistrationHandle> {
    throw new Error('not used');
  }

  async list(service: string): Promise<ServiceInstance[]> {
    this.listCalls++;
    const answer = this.lists.get(service) ?? [];
    if (this.listGate) await this.listGate;
    if (this.failure) throw this.failure;
    return answer;
  }

  async *watch(
    service: string,
    signal?: AbortSignal,
    _options?: WatchOptions,
  ): AsyncGenerator<ServiceInstance[]> {
    this.watchCalls++;
    while (!signal?.aborted) {
      if (this.failure) throw this.failure;
      const seen = this.changes.version;
      yield this.lists.get(service) ?? [];
      await this.changes.next(seen, signal);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
