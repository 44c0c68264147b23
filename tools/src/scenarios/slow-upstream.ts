import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PANELS, grafanaPanel, jaegerSearch, kibanaDiscover, prometheusGraph } from './look-here';
import {
  call,
  instancesOf,
  metricSum,
  seedOrder,
  steadyRate,
  upstreamOf,
  upstreamSeenBy,
} from './mesh-probe';
import type { Answer } from './mesh-probe';
import { ScenarioAbort } from './scenario';
import type { ScenarioContext, Scenario } from './scenario';
import { startTraffic } from './traffic';

/** The chaos endpoint's largest latency, ms (libs/service-kit/src/chaos.ts). */
const MAX_INJECTED_LATENCY_MS = 60_000;
const PROBES = 3;

/** The budget (`mesh.deadline_ms`) each access-log line of one request id shows, per service. */
export function budgetsOf(
  logsDir: string,
  instances: readonly { id: string; service: string }[],
  requestId: string,
): Record<string, number[]> {
  const found: Record<string, number[]> = {};
  for (const instance of instances) {
    const file = join(logsDir, `${instance.id}.ndjson`);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes(requestId)) continue;
      const entry = JSON.parse(line) as {
        http?: { request?: { id?: string } };
        mesh?: { deadline_ms?: number };
        'http.request.id'?: string;
      };
      const budget = entry.mesh?.deadline_ms;
      if (entry.http?.request?.id === requestId && typeof budget === 'number') {
        (found[instance.service] ??= []).push(budget);
      }
    }
  }
  return found;
}

/**
 * Every user-service instance answers later than the whole request may take: the deadline cuts
 * each read at the gateway's budget (a degraded answer or a 504, never a wait for the slow
 * upstream), each hop receives less budget than the one before, and retries stay inside the retry
 * budget — seen in order-service's own retry metrics.
 */
export const slowUpstream: Scenario = {
  name: 'slow-upstream',
  summary:
    'user-service slower than the deadline: reads are cut at the budget, budgets shrink per hop, retries stay in budget',
  look: (links) => [
    grafanaPanel(
      links.grafana,
      PANELS.deadlineExpirations,
      'attempts cut by the deadline, per caller and upstream',
    ),
    grafanaPanel(
      links.grafana,
      PANELS.retriesVsBudget,
      'order-service retries towards user-service, and the ones the budget refused',
      { service: 'order-service' },
    ),
    grafanaPanel(
      links.grafana,
      PANELS.clientSpanLatency,
      "order-service's calls to user-service flat at the attempt timeout, not at the injected latency",
    ),
    prometheusGraph(
      links.prometheus,
      'sum by (job, mesh_upstream) (rate(mesh_deadline_expirations_total[1m]))',
      'the deadline expirations without Grafana (npm run backends)',
    ),
    jaegerSearch(
      links.jaeger,
      'order-service',
      { 'mesh.degraded': 'true' },
      'a cut read: the user-service client spans end at the attempt timeout, each one shorter than its parent',
    ),
    kibanaDiscover(
      links.kibana,
      'event.dataset : "http.access" and mesh.deadline_ms : *',
      'the budget each hop received (mesh.deadline_ms) next to http.request.id: smaller at every hop',
    ),
  ],
  async run(context) {
    const users = instancesOf(context, 'user-service');
    const orders = instancesOf(context, 'order-service');
    const deadlineMs = Number(context.mesh.gatewayStatus['deadlineMs']);
    const toUsers = await upstreamSeenBy(context, orders[0], 'user-service');
    const { attemptTimeoutMs } = toUsers.settings;
    const { maxAttempts } = toUsers.settings.retry;
    const budget = toUsers.retryBudget;
    context.observe('gateway deadline (GATEWAY_DEADLINE_MS)', `${deadlineMs}ms`);
    context.observe(
      'order-service → user-service',
      `attempt timeout ${attemptTimeoutMs}ms, max attempts ${maxAttempts}, retry budget ${budget.ratio} per request + ${budget.minRetriesPerSecond}/s over ${budget.ttlMs}ms`,
    );
    // The deadline bounds the whole read, the gateway's retries included; each attempt passes on
    // only its own share (at most the gateway's attempt timeout towards order-service).
    const gatewayAttemptMs = upstreamOf(context.mesh.gatewayStatus, 'order-service').settings
      .attemptTimeoutMs;
    const readBudgetMs = deadlineMs;
    context.observe(
      'budget of a read',
      `${readBudgetMs}ms (the gateway deadline), each attempt to order-service at most ${Math.min(deadlineMs, gatewayAttemptMs)}ms`,
    );
    const latencyMs = Math.max(deadlineMs, attemptTimeoutMs) + 1000;
    if (latencyMs > MAX_INJECTED_LATENCY_MS) {
      throw new ScenarioAbort(
        `the deadline (${deadlineMs}ms) is longer than the chaos endpoint can delay (${MAX_INJECTED_LATENCY_MS}ms)`,
      );
    }
    const toleranceMs = Math.max(300, Math.round(readBudgetMs * 0.1));

    context.step('seeding: one user and one order to read');
    const { orderId } = await seedOrder(context);
    const path = `/api/orders/${orderId}`;

    context.step(
      `injecting latencyMs ${latencyMs} on every user-service instance (longer than the deadline)`,
    );
    context.defer('faults cleared on every user-service instance', async () => {
      for (const user of users) await context.admin.clearFault(user.adminUrl);
    });
    for (const user of users) await context.admin.setFault(user.adminUrl, { latencyMs });

    const counters = async () => ({
      retries: await metricSum(context, orders, 'mesh_retry_attempts_total', {
        mesh_upstream: 'user-service',
      }),
      gatewayRetries: await metricSum(
        context,
        [context.mesh.gateway],
        'mesh_retry_attempts_total',
        {
          mesh_upstream: 'order-service',
        },
      ),
      refused: await metricSum(context, orders, 'mesh_retry_budget_exhausted_total', {
        mesh_upstream: 'user-service',
      }),
      expiredAtOrders: await metricSum(context, orders, 'mesh_deadline_expirations_total'),
      expiredAtGateway: await metricSum(
        context,
        [context.mesh.gateway],
        'mesh_deadline_expirations_total',
      ),
    });
    const before = await counters();
    const runMs = Math.max(4000, readBudgetMs + 1500);
    const rate = steadyRate(context, 20);
    context.step(
      `reading the order at ${rate}/s for ${(runMs / 1000).toFixed(1)}s, plus ${PROBES} reads with their own X-Request-Id`,
    );
    const tag = randomUUID().slice(0, 8);
    const traffic = startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: [{ method: 'GET', path }],
      connections: 4,
      rate,
    });
    context.defer('traffic stopped', async () => {
      await traffic.stop();
    });
    const probes = await Promise.all(
      Array.from({ length: PROBES }, (_, i) =>
        call(context, 'GET', path, { headers: { 'x-request-id': `slow-upstream-${tag}-${i}` } }),
      ),
    );
    await context.sleep(Math.max(0, runMs - Math.max(...probes.map((p) => p.ms))));
    const reads = await traffic.stop();
    const after = await counters();

    const describe = (answer: Answer) =>
      `${answer.status}${answer.headers['x-degraded'] ? ' degraded' : ''} in ${Math.round(answer.ms)}ms`;
    context.observe('probes', probes.map(describe).join(', '));
    context.observe(
      'reads (client)',
      `${reads.requests}: ${reads.degraded} degraded, ${reads.ok} plain 200, ${JSON.stringify(reads.statusCodes)}; p50 ${reads.latencyMs.p50}ms p99 ${reads.latencyMs.p99}ms max ${reads.latencyMs.max}ms`,
    );
    const slowest = Math.max(reads.latencyMs.max, ...probes.map((p) => p.ms));
    context.check(
      'the deadline cuts every read at the budget',
      slowest <= readBudgetMs + toleranceMs,
      `slowest answer ${Math.round(slowest)}ms; budget ${readBudgetMs}ms (+${toleranceMs}ms tolerance); user-service would take ${latencyMs}ms`,
    );
    const plain =
      reads.ok + probes.filter((p) => p.status < 300 && !p.headers['x-degraded']).length;
    context.check(
      'no read waited for the slow upstream',
      plain === 0,
      `${plain} plain 200s (every answer should be degraded or a 504)`,
    );

    checkHopBudgets(context, tag, readBudgetMs);

    const retries = after.retries - before.retries;
    const refused = after.refused - before.refused;
    const requestsToUsers = reads.requests + PROBES;
    const allowed =
      budget.ratio * requestsToUsers + budget.minRetriesPerSecond * (budget.ttlMs / 1000);
    context.observe(
      'order-service retries to user-service (mesh_retry_attempts_total)',
      `${retries} retries for ${requestsToUsers} reads; ${refused} refused by the budget (mesh_retry_budget_exhausted_total)`,
    );
    context.observe(
      'deadline expirations (mesh_deadline_expirations_total)',
      `order-service ${after.expiredAtOrders - before.expiredAtOrders}, gateway ${after.expiredAtGateway - before.expiredAtGateway}`,
    );
    const gatewayRetries = after.gatewayRetries - before.gatewayRetries;
    const gatewayBudget = upstreamOf(context.mesh.gatewayStatus, 'order-service').retryBudget;
    const gatewayAllowed =
      gatewayBudget.ratio * requestsToUsers +
      gatewayBudget.minRetriesPerSecond * (gatewayBudget.ttlMs / 1000);
    context.observe('gateway retries to order-service (mesh_retry_attempts_total)', gatewayRetries);
    context.check(
      'retries stay inside the retry budget',
      retries <= allowed && gatewayRetries <= gatewayAllowed,
      `order-service → user-service ${retries} retries, the budget allows ${budget.ratio} × ${requestsToUsers} + ${budget.minRetriesPerSecond}/s × ${budget.ttlMs / 1000}s = ${Math.floor(allowed)}; ` +
        `gateway → order-service ${gatewayRetries}, allowed ${Math.floor(gatewayAllowed)}`,
    );
    context.check(
      'the retry budget can refuse a retry',
      budget.ratio < maxAttempts - 1,
      `${budget.ratio} retries per request earned against at most ${maxAttempts - 1} per request made: ${
        budget.ratio < maxAttempts - 1
          ? 'a busy caller runs out'
          : 'every retry is always paid for, the budget bounds nothing'
      }`,
    );
  },
};

/** gateway → order-service → user-service: each hop's access log shows less budget than the hop before. */
function checkHopBudgets(context: ScenarioContext, tag: string, budgetMs: number): void {
  const instances = context.mesh.instances.filter((i) => i.service !== 'gateway');
  const logged = instances.some((instance) =>
    existsSync(join(context.options.logsDir, `${instance.id}.ndjson`)),
  );
  if (!logged) {
    context.observe(
      'budget per hop',
      `not checked: no access logs in ${context.options.logsDir} (compose: the Kibana query below shows them)`,
    );
    return;
  }
  const seen: string[] = [];
  let shrinking = 0;
  for (let i = 0; i < PROBES; i++) {
    const budgets = budgetsOf(context.options.logsDir, instances, `slow-upstream-${tag}-${i}`);
    const atOrders = Math.max(...(budgets['order-service'] ?? []));
    const atUsers = Math.max(...(budgets['user-service'] ?? []));
    seen.push(`gateway ${budgetMs} → order-service ${atOrders} → user-service ${atUsers}`);
    if (
      Number.isFinite(atOrders) &&
      Number.isFinite(atUsers) &&
      atOrders <= budgetMs &&
      atUsers < atOrders
    ) {
      shrinking++;
    }
  }
  context.observe('budget per hop (ms, from the access logs)', seen.join('; '));
  context.check(
    'downstream budgets shrink at each hop',
    shrinking === PROBES,
    `${shrinking} of ${PROBES} probes show a smaller budget at every hop`,
  );
}
