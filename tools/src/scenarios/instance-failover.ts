import { KillRefusedError, killInstance, waitForRestart } from '../mesh-admin';
import { PANELS, grafanaPanel, jaegerSearch, kibanaDiscover, prometheusGraph } from './look-here';
import {
  instancesOf,
  metricSum,
  seedOrder,
  servedRequests,
  steadyRate,
  upstreamOf,
  waitUntil,
} from './mesh-probe';
import { ScenarioAbort } from './scenario';
import type { Scenario } from './scenario';
import { startTraffic } from './traffic';

/** Reads before the kill, so the balancer has figures for both instances. */
const WARM_UP_MS = 2000;
/** How long the restarted instance may take to get traffic again (health interval, ejection time). */
const BACK_IN_ROTATION_MS = 25_000;

/**
 * One order-service instance is killed (SIGKILL) under steady reads: no read may fail, and a
 * degraded answer does not count as a success here; the launcher restarts it and the gateway
 * sends it traffic again.
 */
export const instanceFailover: Scenario = {
  name: 'instance-failover',
  summary:
    'one order-service instance is killed under steady reads: none fails; it comes back and gets traffic again',
  needs: "a native mesh (npm start): the kill goes through the launcher's logs/mesh.json",
  look: (links) => [
    grafanaPanel(
      links.grafana,
      PANELS.balancerPicks,
      "the gateway's picks of the killed instance drop to 0, the other takes all, then both share again",
      { service: 'gateway' },
    ),
    grafanaPanel(
      links.grafana,
      PANELS.instancesByState,
      "the gateway's view of order-service: one instance not_ready (or ejected) for a few seconds",
      { service: 'gateway' },
    ),
    grafanaPanel(
      links.grafana,
      PANELS.instancesTable,
      "the killed instance's up goes 0 for a scrape or two",
    ),
    prometheusGraph(
      links.prometheus,
      'sum(rate(mesh_retry_attempts_total{job="gateway", mesh_upstream="order-service"}[1m]))',
      'the retries that hid the kill from the client (npm run backends)',
    ),
    jaegerSearch(
      links.jaeger,
      'gateway',
      { 'http.route': '/api/orders/:id' },
      'a read around the kill has two attempts: the mesh.upstream.attempt events name both instances',
    ),
    kibanaDiscover(
      links.kibana,
      'service.name : "gateway" and message : "order-service instance"',
      'the gateway logging the instance not_ready (or ejected), then ready again',
    ),
  ],
  async run(context) {
    const orders = instancesOf(context, 'order-service', 2);
    const victim = orders[0];
    const settings = upstreamOf(context.mesh.gatewayStatus, 'order-service').settings;
    context.observe(
      'gateway → order-service',
      `max attempts ${settings.retry.maxAttempts}, outlier ejection after ${settings.outlier.consecutiveFailures} failures (max ${settings.outlier.maxEjectionPercent}% ejected)`,
    );

    context.step('seeding: one user and one order to read');
    const { orderId } = await seedOrder(context);
    const retries = () =>
      metricSum(context, [context.mesh.gateway], 'mesh_retry_attempts_total', {
        mesh_upstream: 'order-service',
      });
    const retriesAtStart = await retries();
    const rate = steadyRate(context, 40);
    context.step(`steady reads of the order at ${rate}/s through the gateway`);
    const traffic = startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: [{ method: 'GET', path: `/api/orders/${orderId}` }],
      connections: 4,
      rate,
    });
    context.defer('traffic stopped', async () => {
      await traffic.stop();
    });
    await context.sleep(WARM_UP_MS);

    context.step(
      `killing ${victim.id} (SIGKILL) through the launcher's ${context.options.stateFile}`,
    );
    let killed: { pid: number };
    try {
      killed = await killInstance(context.admin, victim, { stateFile: context.options.stateFile });
    } catch (error) {
      if (error instanceof KillRefusedError)
        throw new ScenarioAbort(`cannot kill ${victim.id}: ${error.message}`);
      throw error;
    }
    const killedAt = Date.now();
    context.defer(`${victim.id} back (the launcher restarts it)`, async () => {
      await waitForRestart(context.admin, victim.adminUrl, killed.pid, { timeoutMs: 40_000 });
    });
    context.observe('killed', `${victim.id} pid ${killed.pid}`);

    const newPid = await waitForRestart(context.admin, victim.adminUrl, killed.pid, {
      timeoutMs: 40_000,
    });
    context.step(
      `${victim.id} is back as pid ${newPid} after ${((Date.now() - killedAt) / 1000).toFixed(1)}s; waiting for it to get reads again`,
    );
    const servedAtStart = await servedRequests(context, victim);
    const picks = () =>
      metricSum(context, [context.mesh.gateway], 'mesh_balancer_picks_total', {
        mesh_upstream: 'order-service',
        mesh_instance: victim.id,
      });
    const picksAtStart = await picks();
    const backAfter = await waitUntil(
      context,
      async () => (await servedRequests(context, victim)) > servedAtStart,
      BACK_IN_ROTATION_MS,
    );
    await context.sleep(1000);
    const figures = await traffic.stop();
    const servedAfter = (await servedRequests(context, victim)) - servedAtStart;
    const pickedAfter = (await picks()) - picksAtStart;
    const failed = figures.requests - figures.ok - figures.degraded;
    context.observe(
      'gateway retries to order-service (mesh_retry_attempts_total)',
      (await retries()) - retriesAtStart,
    );

    context.observe(
      'reads (client)',
      `${figures.requests} at ${figures.rate}/s: ${figures.ok} plain 200, ${figures.degraded} degraded, ${failed} failed ${JSON.stringify(figures.statusCodes)}; p99 ${figures.latencyMs.p99}ms max ${figures.latencyMs.max}ms`,
    );
    context.observe(
      `${victim.id} after its restart`,
      `${servedAfter} reads served (its http_server counter), ${pickedAfter} gateway balancer picks`,
    );
    context.check(
      'no read failed',
      failed === 0,
      `${failed} of ${figures.requests} reads not answered 2xx ${JSON.stringify(figures.statusCodes)}`,
    );
    context.check(
      'no read was degraded',
      figures.degraded === 0,
      `${figures.degraded} answers carried X-Degraded (a fallback is not a failover)`,
    );
    context.check(
      'the restarted instance gets traffic again',
      backAfter !== undefined,
      backAfter !== undefined
        ? `${victim.id} served reads ${(backAfter / 1000).toFixed(1)}s after it was ready again`
        : `${victim.id} served no read within ${BACK_IN_ROTATION_MS / 1000}s of being ready`,
    );
  },
};
