import { PANELS, grafanaPanel, jaegerSearch, kibanaDiscover, prometheusGraph } from './look-here';
import {
  instancesOf,
  metricSum,
  seedOrder,
  servedRequests,
  steadyRate,
  upstreamSeenBy,
  waitUntil,
} from './mesh-probe';
import type { Scenario } from './scenario';
import { startTraffic } from './traffic';

/** Answers short-circuited by an open breaker must be this fast (the gateway's latency SLO, docs/alerts.md). */
const FAST_P99_MS = 250;
/** How long reads run with the breaker open, to see user-service stop being called. */
const OPEN_PHASE_MS = 3000;

/**
 * user-service fails every call → order-service's breaker for it opens → order reads degrade,
 * fast, and user-service is no longer called → the fault is cleared → the breaker closes.
 */
export const breakerTrip: Scenario = {
  name: 'breaker-trip',
  summary:
    "user-service fails; order-service's breaker opens, order reads degrade fast without calling it, then it closes",
  look: (links) => [
    grafanaPanel(
      links.grafana,
      PANELS.breakerState,
      'order-service → user-service goes 0 (closed) → 2 (open) → 1 (half-open) → 0 while the scenario runs',
      { service: 'order-service' },
    ),
    grafanaPanel(
      links.grafana,
      PANELS.callsByOutcome,
      'failure, then short_circuited replaces every call while open, then success again',
      { service: 'order-service' },
    ),
    grafanaPanel(
      links.grafana,
      PANELS.fallbacks,
      'one fallback per degraded order read (X-Degraded: user-service)',
    ),
    prometheusGraph(
      links.prometheus,
      'max by (instance, mesh_upstream) (mesh_circuit_breaker_state{job="order-service"})',
      'the same breaker state without Grafana (npm run backends)',
    ),
    jaegerSearch(
      links.jaeger,
      'order-service',
      { 'mesh.degraded': 'true' },
      'degraded reads: no user-service span under them once the breaker is open, only the fallback event',
    ),
    kibanaDiscover(
      links.kibana,
      'service.name : "order-service" and message : "answering an order without its user"',
      'one warning per degraded read; while open, error.message says "circuit for user-service is open"',
    ),
  ],
  async run(context) {
    const users = instancesOf(context, 'user-service');
    const orders = instancesOf(context, 'order-service');
    const upstream = await upstreamSeenBy(context, orders[0], 'user-service');
    const sleepWindowMs = upstream.settings.gate.sleepWindowMs;
    context.observe(
      'order-service → user-service gate',
      `${upstream.gate.name} (volume threshold ${upstream.settings.gate.requestVolumeThreshold}, sleep window ${sleepWindowMs}ms)`,
    );

    context.step('seeding: one user and one order to read');
    const { orderId } = await seedOrder(context);
    const reads = [{ method: 'GET' as const, path: `/api/orders/${orderId}` }];
    const rate = steadyRate(context, 40);

    context.step(
      `injecting errorRate 1 (500) on every user-service instance: ${users.map((u) => u.id).join(', ')}`,
    );
    context.defer('faults cleared on every user-service instance', async () => {
      for (const user of users) await context.admin.clearFault(user.adminUrl);
    });
    for (const user of users)
      await context.admin.setFault(user.adminUrl, { errorRate: 1, errorStatus: 500 });

    context.step(`reading the order at ${rate}/s until every order-service breaker opens`);
    const tripping = startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: reads,
      connections: 2,
      rate,
    });
    context.defer('traffic stopped', async () => {
      await tripping.stop();
    });
    const breakerStates = async () =>
      Promise.all(
        orders.map(async (order) => {
          const { gate } = await upstreamSeenBy(context, order, 'user-service');
          return gate.state ?? `no breaker (${gate.name})`;
        }),
      );
    const openedAfter = await waitUntil(
      context,
      async () => (await breakerStates()).every((state) => state === 'open'),
      8000,
    );
    const trip = await tripping.stop();
    context.observe(
      'reads while tripping',
      `${trip.requests} (${trip.degraded} degraded, ${trip.errors} errors)`,
    );
    context.check(
      'the breaker opens',
      openedAfter !== undefined,
      openedAfter !== undefined
        ? `open on ${orders.length} order-service instance(s) after ${(openedAfter / 1000).toFixed(1)}s`
        : `states after 8s: ${(await breakerStates()).join(', ')}`,
    );

    context.step(
      `breaker open: reading for ${OPEN_PHASE_MS / 1000}s more, counting the calls user-service gets`,
    );
    const userCalls = async () =>
      (await Promise.all(users.map((u) => servedRequests(context, u)))).reduce((a, b) => a + b, 0);
    const shortCircuits = () =>
      metricSum(context, orders, 'mesh_calls_total', {
        mesh_upstream: 'user-service',
        mesh_outcome: 'short_circuited',
      });
    const callsBefore = await userCalls();
    const shortBefore = await shortCircuits();
    const open = await startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: reads,
      connections: 2,
      rate,
      durationMs: OPEN_PHASE_MS,
    }).done;
    const calledDuringOpen = (await userCalls()) - callsBefore;
    const shortCircuited = (await shortCircuits()) - shortBefore;
    context.observe(
      'reads while open (client)',
      `${open.requests}: ${open.degraded} degraded, ${open.ok} plain 200, ${open.errors} errors; p50 ${open.latencyMs.p50}ms p99 ${open.latencyMs.p99}ms`,
    );
    context.observe('user-service requests while open (its http_server counter)', calledDuringOpen);
    context.observe('short-circuited calls (order-service mesh_calls_total)', shortCircuited);
    context.check(
      'order reads degrade',
      open.requests > 0 && open.degraded === open.requests,
      `${open.degraded} of ${open.requests} reads answered 200 with X-Degraded: user-service`,
    );
    context.check(
      'degraded answers are fast',
      open.latencyMs.p99 < FAST_P99_MS,
      `p99 ${open.latencyMs.p99}ms (bound ${FAST_P99_MS}ms)`,
    );
    // Each sleep window lets one probe through per order-service instance, with its retries.
    const probes = orders.length * Math.ceil(OPEN_PHASE_MS / sleepWindowMs);
    const allowedCalls = probes * upstream.settings.retry.maxAttempts;
    context.check(
      'user-service stops being called',
      calledDuringOpen <= allowedCalls,
      `${calledDuringOpen} user-service requests during ${open.requests} reads (at most ${allowedCalls}: ${probes} half-open probes × ${upstream.settings.retry.maxAttempts} attempts)`,
    );

    context.step('clearing the fault on every user-service instance');
    for (const user of users) await context.admin.clearFault(user.adminUrl);
    context.step(`reading slowly until every breaker closes (sleep window ${sleepWindowMs}ms)`);
    const closing = startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: reads,
      connections: 1,
      rate: 10,
    });
    context.defer('traffic stopped', async () => {
      await closing.stop();
    });
    // Without a breaker there is nothing to wait for.
    const hasBreaker = (await breakerStates()).every((state) => !state.startsWith('no breaker'));
    const closedAfter = hasBreaker
      ? await waitUntil(
          context,
          async () => (await breakerStates()).every((state) => state === 'closed'),
          sleepWindowMs + 8000,
        )
      : undefined;
    const healing = await closing.stop();
    context.observe(
      'reads while closing',
      `${healing.requests} (${healing.ok} plain 200, ${healing.degraded} degraded)`,
    );
    context.check(
      'the breaker closes once user-service is healthy',
      closedAfter !== undefined,
      closedAfter !== undefined
        ? `closed ${(closedAfter / 1000).toFixed(1)}s after the fault was cleared`
        : `states: ${(await breakerStates()).join(', ')}`,
    );
  },
};
