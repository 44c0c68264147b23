import type { MeterProvider, ObservableResult } from '@opentelemetry/api';
import { ATTR_DISCOVERY_SERVICE, ATTR_INSTANCE_STATE } from './attribute-names';
import type { HealthState } from './health-checker';
import { discoveryMeter } from './instruments';
import { METRIC_INSTANCES } from './metric-names';
import type { ServiceInstance } from './service-instance';

/** Options of {@link observeInstanceStates}. */
export interface InstanceStateGaugeOptions {
  /** The instances to count, asked at every collection (e.g. every instance in the cache). */
  instances: () => readonly ServiceInstance[];
  /** Health states from active checks (a `HealthChecker`). Default: every instance is `unknown`. */
  health?: { state(instanceId: string): HealthState };
  /**
   * A state that overrides the health state when it returns one, e.g. `ejected` from the outlier
   * detection of the wiring layer. Default: none.
   */
  stateProvider?: (instance: ServiceInstance) => string | undefined;
  /** Where the gauge goes. Default: the global provider of `@opentelemetry/api`. */
  meterProvider?: MeterProvider;
}

const BASE_STATES: readonly string[] = ['ready', 'not_ready', 'unknown'];

/**
 * Reports the gauge `mesh.discovery.instances`: how many instances of each service are in each
 * state. A service or state seen once keeps being reported (as 0), so a series never just stops.
 *
 * @returns a function that removes the gauge's callback
 */
export function observeInstanceStates(options: InstanceStateGaugeOptions): () => void {
  const gauge = discoveryMeter(options.meterProvider).createObservableGauge(METRIC_INSTANCES, {
    description: 'Instances per service and state.',
    unit: '{instance}',
  });
  const seen = new Map<string, Set<string>>();
  const callback = (result: ObservableResult) => {
    const counts = new Map<string, Map<string, number>>();
    for (const instance of options.instances()) {
      const state =
        options.stateProvider?.(instance) ?? options.health?.state(instance.id) ?? 'unknown';
      const byState = counts.get(instance.service) ?? new Map<string, number>();
      byState.set(state, (byState.get(state) ?? 0) + 1);
      counts.set(instance.service, byState);
      const states = seen.get(instance.service) ?? new Set(BASE_STATES);
      states.add(state);
      seen.set(instance.service, states);
    }
    for (const [service, states] of seen) {
      for (const state of states) {
        result.observe(counts.get(service)?.get(state) ?? 0, {
          [ATTR_DISCOVERY_SERVICE]: service,
          [ATTR_INSTANCE_STATE]: state,
        });
      }
    }
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
