import { breakerTrip } from './breaker-trip';
import { instanceFailover } from './instance-failover';
import { rateLimit } from './rate-limit';
import { registryOutage } from './registry-outage';
import { slowUpstream } from './slow-upstream';
import type { Scenario } from './scenario';

/** Every scenario, in the order docs/tour.md walks them. */
export const SCENARIOS: readonly Scenario[] = [
  breakerTrip,
  instanceFailover,
  rateLimit,
  slowUpstream,
  registryOutage,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}

export { runScenario, formatEnding } from './runner';
export type { ScenarioReport, RunHooks } from './runner';
export { ScenarioAbort } from './scenario';
export type {
  CheckResult,
  EtcdControl,
  Scenario,
  ScenarioContext,
  ScenarioOptions,
} from './scenario';
export type { LookHere } from './look-here';
