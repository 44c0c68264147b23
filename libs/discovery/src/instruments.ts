import { metrics } from '@opentelemetry/api';
import type { Meter, MeterProvider } from '@opentelemetry/api';
import { DISCOVERY_METER_NAME } from './metric-names';

/**
 * The meter of this lib: from `provider` when given (tests pass an SDK provider), otherwise from
 * the global API, which stays a no-op until the telemetry lib registers the SDK.
 */
export function discoveryMeter(provider?: MeterProvider): Meter {
  return (provider ?? metrics.getMeterProvider()).getMeter(DISCOVERY_METER_NAME);
}

/** A short, low-cardinality class for an error, for the `error.type` attribute. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor.name || error.name;
  return typeof error;
}
