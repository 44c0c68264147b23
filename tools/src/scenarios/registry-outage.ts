import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PANELS, grafanaPanel, kibanaDiscover, prometheusGraph } from './look-here';
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
import type { Scenario, ScenarioContext } from './scenario';
import { startTraffic } from './traffic';
import type { TrafficFigures } from './traffic';

const repoRoot = resolve(__dirname, '..', '..', '..');
/** How long reads run with etcd stopped. */
const OUTAGE_MS = 4000;
const FOUND_WITHIN_MS = 15_000;

/**
 * etcd is stopped under steady reads: the callers keep serving from their instance cache; etcd
 * comes back; a new user-service instance registers and the gateway finds it and sends it traffic
 * without any caller restarting. Needs a mesh on etcd (`npm start -- --registry etcd`).
 */
export const registryOutage: Scenario = {
  name: 'registry-outage',
  summary:
    'etcd stops: reads go on from the cache; etcd returns: a new instance is found without restarting a caller',
  needs:
    "a mesh on etcd (npm start -- --registry etcd) and a way to stop etcd: --etcd-pid <pid>, or --etcd-stop/--etcd-start commands (compose: 'docker compose stop etcd' / 'docker compose start etcd')",
  look: (links) => [
    grafanaPanel(
      links.grafana,
      PANELS.instancesByState,
      'the callers keep listing every instance while etcd is down; one more user-service appears once it is back',
    ),
    prometheusGraph(
      links.prometheus,
      'max by (job, instance, mesh_discovery_service) (mesh_discovery_cache_stale)',
      "1 while a caller's cached list is stale (etcd unreachable), 0 again once etcd answers",
    ),
    prometheusGraph(
      links.prometheus,
      'sum by (job, instance) (increase(mesh_discovery_registry_errors_total[5m]))',
      'the registry calls that failed during the outage',
    ),
    grafanaPanel(
      links.grafana,
      PANELS.requestsByService,
      'the request rate does not dip while etcd is down',
    ),
    kibanaDiscover(
      links.kibana,
      'message : "instance cache" or message : "registry"',
      'each caller logging its cache going stale, then fresh; the new instance registering',
    ),
  ],
  async run(context) {
    const etcd = context.options.etcd;
    if (!etcd)
      throw new ScenarioAbort('say how to stop etcd (--etcd-pid, or --etcd-stop and --etcd-start)');
    const callers = [context.mesh.gateway, ...instancesOf(context, 'order-service')];
    const pidsBefore = await pidsOf(context, callers);
    const users = instancesOf(context, 'user-service');

    context.step('seeding: one user and one order to read');
    const { userId, orderId } = await seedOrder(context);
    const reads = [
      { method: 'GET' as const, path: `/api/users/${userId}` },
      { method: 'GET' as const, path: `/api/orders/${orderId}` },
    ];
    const rate = steadyRate(context, 20);

    context.step(`stopping etcd: ${etcd.describe}`);
    let etcdDown = true;
    context.defer('etcd started again', async () => {
      if (etcdDown) await etcd.start();
    });
    await etcd.stop();
    context.step(
      `reading users and orders at ${rate}/s for ${OUTAGE_MS / 1000}s with etcd stopped`,
    );
    const outage = await startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: reads,
      connections: 2,
      rate,
      durationMs: OUTAGE_MS,
    }).done;
    const staleDuring = await staleness(context);
    context.observe('reads with etcd stopped', describeFigures(outage));
    context.observe("the gateway's caches (stale per upstream)", staleDuring);
    const failed = outage.requests - outage.ok - outage.degraded;
    context.check(
      'traffic continues from the cache',
      outage.requests > 0 && failed === 0 && outage.degraded === 0,
      `${failed} failed and ${outage.degraded} degraded of ${outage.requests} reads with etcd stopped`,
    );

    context.step('starting etcd again');
    await etcd.start();
    etcdDown = false;
    const freshAfter = await waitUntil(
      context,
      async () => !(await staleness(context)).includes('true'),
      20_000,
    );
    context.observe(
      "the gateway's caches fresh again",
      freshAfter === undefined ? 'not within 20s' : `after ${(freshAfter / 1000).toFixed(1)}s`,
    );

    const extra = await startExtraUserService(context, users[0]);
    context.step(
      `started a new user-service instance, ${extra.id}, registered in etcd (${context.options.etcdEndpoints.join(',')})`,
    );
    const traffic = startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: reads,
      connections: 2,
      rate,
    });
    context.defer('traffic stopped', async () => {
      await traffic.stop();
    });
    const listedAfter = await waitUntil(
      context,
      async () =>
        (await context.rediscover()).instances.some((instance) => instance.id === extra.id),
      FOUND_WITHIN_MS,
    );
    const servedAfter =
      listedAfter === undefined
        ? undefined
        : await waitUntil(
            context,
            async () => (await servedRequests(context, extra)) > 0,
            FOUND_WITHIN_MS,
          );
    const after = await traffic.stop();
    const served = await servedRequests(context, extra).catch(() => 0);
    const pidsAfter = await pidsOf(context, callers);
    context.observe('reads after etcd came back', describeFigures(after));
    context.observe(
      `${extra.id}`,
      `listed by the gateway ${listedAfter === undefined ? 'never' : `after ${(listedAfter / 1000).toFixed(1)}s`}; ${served} requests served`,
    );
    context.observe(
      'registry errors counted by the callers (mesh_discovery_registry_errors_total)',
      await metricSum(context, callers, 'mesh_discovery_registry_errors_total'),
    );
    context.check(
      'a new instance is found and gets traffic',
      listedAfter !== undefined && servedAfter !== undefined,
      listedAfter === undefined
        ? `the gateway never listed ${extra.id} within ${FOUND_WITHIN_MS / 1000}s (does the mesh use etcd? --registry etcd)`
        : servedAfter === undefined
          ? `${extra.id} listed but served nothing within ${FOUND_WITHIN_MS / 1000}s`
          : `${extra.id} served its first request ${(servedAfter / 1000).toFixed(1)}s after it was listed`,
    );
    const restarted = callers.filter(
      (caller) => pidsBefore.get(caller.id) !== pidsAfter.get(caller.id),
    );
    context.check(
      'no caller was restarted',
      restarted.length === 0,
      restarted.length === 0
        ? `${callers.map((c) => `${c.id} pid ${pidsAfter.get(c.id)}`).join(', ')}: the same processes throughout`
        : `restarted: ${restarted.map((c) => c.id).join(', ')}`,
    );
  },
};

function describeFigures(figures: TrafficFigures): string {
  return `${figures.requests}: ${figures.ok} plain 2xx, ${figures.degraded} degraded, ${JSON.stringify(figures.statusCodes)}`;
}

async function pidsOf(
  context: ScenarioContext,
  instances: readonly { id: string; adminUrl: string }[],
): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const instance of instances)
    pids.set(instance.id, (await context.admin.status(instance.adminUrl)).pid);
  return pids;
}

/** `user-service stale=false, order-service stale=false` from the gateway's status. */
async function staleness(context: ScenarioContext): Promise<string> {
  const status = await context.admin.status(context.mesh.gateway.adminUrl);
  return ['user-service', 'order-service']
    .map((service) => `${service} stale=${upstreamOf(status, service).stale}`)
    .join(', ');
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * One more user-service process (natively: the built app, on the SQLite file the others use),
 * registered in etcd; stopped (SIGTERM: it deregisters) when the scenario ends.
 */
async function startExtraUserService(
  context: ScenarioContext,
  sibling: { adminUrl: string },
): Promise<{ id: string; adminUrl: string }> {
  const database = (await context.admin.status(sibling.adminUrl))['database'] as
    { kind?: string; path?: string } | undefined;
  const entry = resolve(repoRoot, 'apps', 'user-service', 'dist', 'main.js');
  const preload = resolve(repoRoot, 'libs', 'telemetry', 'dist', 'register.js');
  if (
    database?.kind !== 'sqlite' ||
    !database.path ||
    !existsSync(database.path) ||
    !existsSync(entry)
  ) {
    throw new ScenarioAbort(
      'cannot start a new user-service instance from here (it needs the native mesh on SQLite and the built app); ' +
        'under compose: `docker compose up -d --scale user-service=3 --no-recreate user-service`',
    );
  }
  const id = `user-service-scenario-${randomUUID().slice(0, 6)}`;
  const [port, adminPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, ['--require', preload, entry], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      ADMIN_TOKEN: context.options.token,
      LOG_LEVEL: 'warn',
      DATABASE_PATH: database.path,
      REGISTRY: 'etcd',
      ETCD_ENDPOINTS: context.options.etcdEndpoints.join(','),
      OTEL_SERVICE_NAME: 'user-service',
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${id}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  context.defer(`${id} stopped (SIGTERM: it leaves the registry)`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const ready = await waitUntil(
    context,
    async () => {
      if (child.exitCode !== null) return true;
      return context.admin.status(adminUrl).then(
        (status) => status.ready,
        () => false,
      );
    },
    20_000,
  );
  if (ready === undefined || child.exitCode !== null) {
    throw new ScenarioAbort(
      `${id} did not start: ${stderr.trim().slice(-500) || 'not ready within 20s'}`,
    );
  }
  return { id, adminUrl };
}
