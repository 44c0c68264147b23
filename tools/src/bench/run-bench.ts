import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient } from '../mesh-admin';
import type { BenchSettings, Comparison } from './bench-args';
import type { BenchMesh, TelemetryMode } from './bench-mesh';
import { startBenchMesh } from './bench-mesh';
import type { LoadSpec, Sample } from './load';
import { measure } from './load';
import type { NaiveChain } from './naive';
import { startNaiveChain } from './naive';
import type { BenchNginx } from './nginx';
import { findNginx, startNginx } from './nginx';
import type { Footprint } from './processes';
import { footprint } from './processes';
import type { DiscardingReceiver } from './receiver';
import { startDiscardingReceiver } from './receiver';
import { seedOrder } from './seed';

/** One runtime's part of the results: every sample of every configuration, and what the processes cost. */
export interface RuntimeResults {
  node: string;
  nodeVersion: string;
  samples: Sample[];
  footprints: { process: string; readyMs?: number; rssMb?: number; cpuSeconds?: number }[];
  ejections: Record<string, number>;
  skipped: string[];
}

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; platform: string; load: number[] };
  settings: BenchSettings;
  runtimes: RuntimeResults[];
  /** Fail-fast and failover, on the machine's Node. */
  resilience: { samples: Sample[]; ejections: Record<string, number>; notes: string[] };
  /** What could not run, and why. */
  skipped: string[];
}

export interface BenchHooks {
  log: (line: string) => void;
}

type Target = { label: string; spec: LoadSpec };

/** Sums every numeric `ejections` field of an /admin/status document. */
export function countEjections(status: unknown): number {
  if (Array.isArray(status)) return status.reduce<number>((n, v) => n + countEjections(v), 0);
  if (status === null || typeof status !== 'object') return 0;
  let n = 0;
  for (const [key, value] of Object.entries(status)) {
    if (key === 'ejections' && typeof value === 'number') n += value;
    else n += countEjections(value);
  }
  return n;
}

async function meshEjections(mesh: BenchMesh, admin: AdminClient): Promise<number> {
  let total = 0;
  for (const instance of mesh.plan.filter((p) => p.service !== 'user-service')) {
    try {
      total += countEjections(await admin.status(mesh.adminUrl(instance.name)));
    } catch {
      // a killed instance has nothing to say
    }
  }
  return total;
}

/** Warm-up, then rounds of every target in turn (A B C … A B C …): alternating, in one run. */
async function alternate(
  targets: Target[],
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  if (settings.warmupMs > 0) {
    for (const t of targets)
      await measure({ ...t.spec, durationMs: Math.max(settings.warmupMs, 500) });
  }
  for (let round = 1; round <= settings.rounds; round++) {
    for (const t of targets) {
      const sample = await measure(t.spec, t.label, round);
      samples.push(sample);
      log(
        `bench: round ${round}/${settings.rounds} ${t.label.padEnd(22)} ${String(sample.rps).padStart(8)} req/s  p50 ${sample.p50Ms} ms  p99 ${sample.p99Ms} ms  errors ${sample.errors}`,
      );
    }
  }
  return samples;
}

function wants(settings: BenchSettings, ...names: Comparison[]): boolean {
  return names.some((n) => settings.only.includes(n));
}

/** Comparisons 1–3 and 6 on one Node binary. */
export async function runThroughput(
  node: string,
  nodeVersion: string,
  preloads: readonly string[],
  settings: BenchSettings,
  workDir: string,
  receiver: DiscardingReceiver,
  hooks: BenchHooks,
): Promise<RuntimeResults> {
  const adminToken = randomBytes(18).toString('base64url');
  const admin = new AdminClient({ token: adminToken });
  const results: RuntimeResults = {
    node,
    nodeVersion,
    samples: [],
    footprints: [],
    ejections: {},
    skipped: [],
  };
  const meshes: BenchMesh[] = [];
  const slug = nodeVersion.replace(/[^\w.]+/g, '').toLowerCase();
  let naive: NaiveChain | undefined;
  let nginx: BenchNginx | undefined;
  const load = (url: string, path: string): LoadSpec => ({
    url,
    path,
    connections: settings.connections,
    durationMs: settings.durationMs,
  });
  try {
    const modes: TelemetryMode[] = wants(settings, 'telemetry')
      ? ['off', 'local', 'export']
      : ['off'];
    for (const mode of modes) {
      hooks.log(`bench: starting the mesh with telemetry ${mode} on ${nodeVersion}`);
      meshes.push(
        await startBenchMesh({
          label: `${slug}-${mode}`,
          node,
          telemetry: mode,
          receiver: receiver.url,
          preloads,
          workDir,
          adminToken,
        }),
      );
    }
    const targets: Target[] = [];
    for (const [i, mode] of modes.entries()) {
      const mesh = meshes[i] as BenchMesh;
      const { userId, orderId } = await seedOrder(
        mesh.url('user-service-1'),
        mesh.url('order-service-1'),
      );
      targets.push({
        label: `3-hop ${mode}`,
        spec: load(mesh.url('gateway'), `/api/orders/${orderId}`),
      });
      if (wants(settings, 'telemetry', 'gateway-hop') && mode !== 'local') {
        targets.push({
          label: `2-hop ${mode}`,
          spec: load(mesh.url('order-service-1'), `/orders/${orderId}`),
        });
      }
      if (wants(settings, 'telemetry') && mode !== 'local') {
        targets.push({
          label: `1-hop ${mode}`,
          spec: load(mesh.url('user-service-1'), `/users/${userId}`),
        });
      }
      if (mode === 'off' && wants(settings, 'gateway-hop')) {
        const binary = findNginx();
        if (binary === undefined) {
          results.skipped.push('gateway-hop nginx: nginx is not installed (apt-get install nginx)');
        } else {
          nginx = await startNginx(
            binary,
            join(workDir, `${slug}-nginx`),
            mesh.url('order-service-1'),
          );
          targets.push({
            label: '3-hop via nginx',
            spec: load(nginx.url, `/api/orders/${orderId}`),
          });
        }
      }
    }
    if (wants(settings, 'limit')) {
      hooks.log('bench: starting the naive chain');
      naive = await startNaiveChain(node, join(workDir, `${slug}-naive`), preloads);
      const { orderId } = await seedOrder(naive.users, naive.orders);
      targets.push({ label: '3-hop naive', spec: load(naive.gateway, `/api/orders/${orderId}`) });
    }
    results.samples = await alternate(targets, settings, hooks.log);

    for (const mesh of meshes) {
      results.ejections[mesh.label] = await meshEjections(mesh, admin);
      for (const [name, proc] of mesh.processes) {
        results.footprints.push({
          process: `${mesh.label} ${name}`,
          ...withReady(proc.readyMs, footprint(proc.child.pid)),
        });
      }
    }
    for (const proc of naive?.processes ?? []) {
      results.footprints.push({
        process: `${slug} ${proc.name}`,
        ...withReady(proc.readyMs, footprint(proc.child.pid)),
      });
    }
    if (nginx) {
      results.footprints.push({
        process: 'nginx',
        ...withReady(nginx.process.readyMs, footprint(nginx.process.child.pid)),
      });
    }
  } finally {
    await Promise.all([...meshes.map((m) => m.stop()), naive?.stop(), nginx?.stop()]);
  }
  return results;
}

function withReady(readyMs: number | undefined, f: Footprint | undefined) {
  return { ...(readyMs === undefined ? {} : { readyMs }), ...(f ?? {}) };
}

/** Comparisons 4 (fail-fast) and 5 (failover), on the machine's Node, telemetry off. */
export async function runResilience(
  settings: BenchSettings,
  workDir: string,
  hooks: BenchHooks,
): Promise<BenchResults['resilience']> {
  const adminToken = randomBytes(18).toString('base64url');
  const admin = new AdminClient({ token: adminToken });
  const out: BenchResults['resilience'] = { samples: [], ejections: {}, notes: [] };
  const base = { node: process.execPath, telemetry: 'off' as const, workDir, adminToken };
  const meshes: BenchMesh[] = [];
  try {
    if (wants(settings, 'fail-fast')) {
      hooks.log('bench: fail-fast — meshes with breakers on and off');
      // order-service gives user-service 250 ms per attempt, 1 s in all; the gateway keeps its defaults
      const tight = { USER_SERVICE_ATTEMPT_TIMEOUT_MS: '250', USER_SERVICE_DEADLINE_MS: '1000' };
      const on = await startBenchMesh({ ...base, label: 'breakers-on', env: tight });
      meshes.push(on);
      const off = await startBenchMesh({
        ...base,
        label: 'breakers-off',
        env: { ...tight, USER_SERVICE_BREAKER: 'off', ORDER_SERVICE_BREAKER: 'off' },
      });
      meshes.push(off);
      const spec = async (mesh: BenchMesh): Promise<LoadSpec> => {
        const { orderId } = await seedOrder(
          mesh.url('user-service-1'),
          mesh.url('order-service-1'),
        );
        return {
          url: mesh.url('gateway'),
          path: `/api/orders/${orderId}`,
          connections: settings.connections,
          durationMs: settings.durationMs,
        };
      };
      const onSpec = await spec(on);
      const offSpec = await spec(off);
      const healthy = await alternate([{ label: 'healthy', spec: onSpec }], settings, hooks.log);
      // user-service hangs: far above order-service's 2 s attempt timeout
      for (const mesh of [on, off])
        await admin.setFault(mesh.adminUrl('user-service-1'), { latencyMs: 30_000 });
      const hung = await alternate(
        [
          { label: 'user hung, breakers on', spec: onSpec },
          { label: 'user hung, breakers off', spec: offSpec },
        ],
        { ...settings, warmupMs: 0 },
        hooks.log,
      );
      out.samples.push(...healthy, ...hung);
      out.ejections['breakers-on'] = await meshEjections(on, admin);
      out.ejections['breakers-off'] = await meshEjections(off, admin);
      out.notes.push(
        'fail-fast: order-service → user-service attempt timeout 250 ms, deadline 1 s (USER_SERVICE_ATTEMPT_TIMEOUT_MS, USER_SERVICE_DEADLINE_MS); user-service-1 given 30 s of latency (chaos) after the healthy rounds; breakers off = USER_SERVICE_BREAKER=off and ORDER_SERVICE_BREAKER=off',
      );
    }
    if (wants(settings, 'failover')) {
      hooks.log('bench: failover — two order instances, one killed mid-run');
      const mesh = await startBenchMesh({ ...base, label: 'failover', orderInstances: 2 });
      meshes.push(mesh);
      const { orderId } = await seedOrder(mesh.url('user-service-1'), mesh.url('order-service-1'));
      const durationMs = Math.max(settings.durationMs * 2, 2000);
      const victim = mesh.processes.get('order-service-2');
      const sample = await measure(
        {
          url: mesh.url('gateway'),
          path: `/api/orders/${orderId}`,
          connections: settings.connections,
          durationMs,
        },
        'failover (1 of 2 killed)',
        1,
        () => {
          void sleep(durationMs / 2).then(() => victim?.child.kill('SIGKILL'));
        },
      );
      out.samples.push(sample);
      out.ejections['failover'] = await meshEjections(mesh, admin);
      out.notes.push(
        `failover: order-service-2 SIGKILLed ${durationMs / 2000}s into a ${durationMs / 1000}s run`,
      );
      hooks.log(
        `bench: failover ${sample.rps} req/s  p99 ${sample.p99Ms} ms  errors ${sample.errors}`,
      );
    }
  } finally {
    await Promise.all(meshes.map((m) => m.stop()));
  }
  return out;
}

export function machine(): BenchResults['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
    load: [],
  };
}

export function makeWorkDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export { startDiscardingReceiver };
