import type { Dispatcher } from 'undici';
import { HealthChecker, InstanceCache, observeInstanceStates } from '@mesh/discovery';
import type { Registry, RegistrationHandle, ServiceInstance } from '@mesh/discovery';
import {
  Bulkhead,
  OutlierDetector,
  RetryBudget,
  RetryPolicy,
  createBalancer,
  createCallGate,
} from '@mesh/resilience';
import type { CallGate } from '@mesh/resilience';
import type { Logger } from '@mesh/telemetry';
import { ResilientUpstream, isFailedResponse, isUpstreamFailure } from './resilient-upstream';
import { UpstreamPool } from './upstream-pool';
import type { UpstreamSettings } from './upstream-settings';

/** An upstream ready to call, with what `/admin/status` shows of it and how to stop it. */
export interface Upstream {
  readonly client: ResilientUpstream;
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Builds the whole stack for one upstream from its settings; see docs/resilience.md. */
export function createUpstream(
  settings: UpstreamSettings,
  deps: { cache: InstanceCache; dispatcher: Dispatcher; logger: Logger },
): Upstream {
  const { service } = settings;
  const health = new HealthChecker({
    instances: () => deps.cache.instances(service),
    intervalMs: settings.health.intervalMs,
    timeoutMs: settings.health.timeoutMs,
    onChange: (change) =>
      deps.logger.log(
        change.current === 'ready' ? 'info' : 'warn',
        `${service} instance ${change.instance.id} is ${change.current}`,
        {
          'mesh.upstream': service,
          'mesh.instance.id': change.instance.id,
          'event.reason': change.reason,
        },
      ),
  });
  const outliers = new OutlierDetector({
    upstream: service,
    consecutiveFailures: settings.outlier.consecutiveFailures,
    baseEjectionTimeMs: settings.outlier.baseEjectionTimeMs,
    maxEjectionTimeMs: settings.outlier.maxEjectionTimeMs,
    maxEjectionPercent: settings.outlier.maxEjectionPercent,
  });
  outliers.onEject((event) =>
    deps.logger.warn(
      `${service} instance ${event.id} ejected for ${event.ejectionTimeMs}ms (ejection #${event.timesEjected})`,
      {
        'mesh.upstream': service,
        'mesh.instance.id': event.id,
      },
    ),
  );
  const balancer = createBalancer(settings.balancer, { upstream: service });
  const pool = new UpstreamPool({ service, cache: deps.cache, health, balancer, outliers });
  const stopGauge = observeInstanceStates({
    instances: () => deps.cache.instances(service),
    health,
    stateProvider: (instance: ServiceInstance) =>
      outliers.isEjected(instance.id) ? 'ejected' : undefined,
  });

  const gate: CallGate | undefined =
    settings.gate.kind === 'off'
      ? undefined
      : settings.gate.kind === 'circuit-breaker'
        ? createCallGate({
            kind: 'circuit-breaker',
            upstream: service,
            // The attempt timeout and the deadline bound each call; the breaker only counts.
            timeout: Infinity,
            maxConcurrentRequests: settings.gate.maxConcurrentRequests,
            requestVolumeThreshold: settings.gate.requestVolumeThreshold,
            errorPercentThreshold: settings.gate.errorPercentThreshold,
            sleepWindow: settings.gate.sleepWindowMs,
            rollingWindow: settings.gate.rollingWindowMs,
            isFailure: isUpstreamFailure,
            isFailureResult: isFailedResponse,
          })
        : createCallGate({
            kind: 'adaptive-throttle',
            upstream: service,
            k: settings.gate.adaptiveK,
            // Never shed every call: a trickle keeps probing, so recovery is seen (docs/resilience.md).
            maxRejectProbability: 0.9,
            isFailure: isUpstreamFailure,
            isFailureResult: isFailedResponse,
          });
  const bulkhead = new Bulkhead({
    upstream: service,
    maxConcurrent: settings.bulkhead.maxConcurrent,
    maxQueue: settings.bulkhead.maxQueue,
  });
  const budget = new RetryBudget({
    ratio: settings.retry.budgetRatio,
    minRetriesPerSecond: settings.retry.budgetMinPerSecond,
  });
  const retry = (idempotent: boolean) =>
    new RetryPolicy({
      upstream: service,
      maxAttempts: settings.retry.maxAttempts,
      baseDelayMs: settings.retry.baseDelayMs,
      maxDelayMs: settings.retry.maxDelayMs,
      minAttemptMs: settings.minAttemptMs,
      budget,
      // A server's Retry-After speaks for that instance only; see ResilientUpstream.retryHintOf.
      retryAfterMs: (outcome) =>
        outcome.ok ? ResilientUpstream.retryHintOf(outcome.result) : undefined,
      shouldRetry: (outcome) => ResilientUpstream.shouldRetry(outcome, idempotent),
    });
  const client = new ResilientUpstream({
    service,
    pool,
    dispatcher: deps.dispatcher,
    attemptTimeoutMs: settings.attemptTimeoutMs,
    deadlineMs: settings.deadlineMs,
    minAttemptMs: settings.minAttemptMs,
    retry: { idempotent: retry(true), other: retry(false) },
    gate,
    bulkhead,
  });
  health.start();

  return {
    client,
    status: () => ({
      service,
      balancer: settings.balancer,
      stale: deps.cache.isStale(service),
      instances: pool.status(),
      gate: gate?.snapshot() ?? { name: 'off' },
      bulkhead: bulkhead.snapshot(),
      retryBudget: budget.snapshot(),
      settings,
    }),
    stop: async () => {
      stopGauge();
      await health.stop();
    },
  };
}

/** Discovery for one process: the registry, the cache of the services it calls, its own registration. */
export interface MeshDiscovery {
  readonly registry: Registry;
  readonly cache: InstanceCache;
  register(self: ServiceInstance): Promise<RegistrationHandle>;
  stop(): Promise<void>;
}

export async function startDiscovery(
  registry: Registry,
  services: readonly string[],
  logger: Logger,
): Promise<MeshDiscovery> {
  const cache = new InstanceCache({
    registry,
    services,
    onEvent: (event) =>
      deps(
        logger,
        event.type === 'fresh' ? 'info' : 'warn',
        `instance cache: ${event.type}`,
        event as unknown as Record<string, unknown>,
      ),
  });
  await cache.start();
  return {
    registry,
    cache,
    register: (self) => registry.register(self),
    stop: async () => {
      await cache.stop();
      await registry.close();
    },
  };
}

function deps(logger: Logger, level: string, message: string, meta: Record<string, unknown>): void {
  logger.log(level, message, { 'mesh.event': meta });
}
