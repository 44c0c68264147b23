/** A named dependency check: resolves true when the dependency is usable. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: Record<string, boolean>;
}

/**
 * Whether this instance should receive new requests: every check passes and it is not
 * draining. A check that throws counts as failing.
 */
export class Readiness {
  #draining = false;
  readonly #checks = new Map<string, ReadinessCheck>();

  addCheck(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
  }

  /** Called once on shutdown; readiness never comes back. */
  startDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, boolean> = {};
    await Promise.all(
      [...this.#checks].map(async ([name, check]) => {
        try {
          checks[name] = await check();
        } catch {
          checks[name] = false;
        }
      }),
    );
    const ready = !this.#draining && Object.values(checks).every(Boolean);
    return { ready, draining: this.#draining, checks };
  }
}
