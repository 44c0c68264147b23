import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { otlpExportEnv } from '../launcher/otlp';
import { planMesh } from '../launcher/plan';
import type { InstancePlan } from '../launcher/plan';
import { isPortFree } from '../launcher/ports';
import type { BenchProcess } from './processes';
import { spawnLogged, stopProcess, waitReady } from './processes';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const preload = resolve(repoRoot, 'libs', 'telemetry', 'dist', 'register.js');

/**
 * How a mesh of the bench runs its telemetry: `off` = OTEL_SDK_DISABLED=true; `local` = the
 * `npm start` default (metrics, trace ids in headers and logs, nothing exported); `export` = 100 %
 * sampling and OTLP/HTTP protobuf export to the discarding receiver.
 */
export type TelemetryMode = 'off' | 'local' | 'export';

export interface BenchMeshOptions {
  label: string;
  node: string;
  telemetry: TelemetryMode;
  /** OTLP receiver base URL, for `export`. */
  receiver?: string;
  userInstances?: number;
  orderInstances?: number;
  workDir: string;
  adminToken: string;
  /** `--require`d before the telemetry bootstrap (the Node side-by-side's better-sqlite3 hook). */
  preloads?: readonly string[];
  /** Extra env for every instance, e.g. `USER_SERVICE_BREAKER=off`. */
  env?: Record<string, string>;
}

export interface BenchMesh {
  label: string;
  plan: InstancePlan[];
  processes: Map<string, BenchProcess>;
  url(name: string): string;
  adminUrl(name: string): string;
  /** ms from the first spawn until the gateway was ready. */
  startMs: number;
  stop(): Promise<void>;
}

/** Every variable the bench sets on top of the launcher's plan: see docs/benchmarks.md. */
export function telemetryEnv(mode: TelemetryMode, receiver?: string): Record<string, string> {
  if (mode === 'off') return { OTEL_SDK_DISABLED: 'true' };
  const sampling = { OTEL_TRACES_SAMPLER: 'always_on' };
  if (mode === 'local') return sampling;
  if (receiver === undefined) throw new Error('telemetry export needs a receiver URL');
  return { ...sampling, ...otlpExportEnv(new URL(receiver)) };
}

async function freeOffset(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 300) * 100;
    const ports = [8080, 9464, 3001, 3002, 3003, 3011, 3012, 3013];
    const free = await Promise.all(
      ports.slice(0, 2 + count).map((p) => isPortFree(p + offset, '127.0.0.1')),
    );
    const admins = await Promise.all(
      Array.from({ length: count + 1 }, (_, i) => isPortFree(9465 + i + offset, '127.0.0.1')),
    );
    if ([...free, ...admins].every(Boolean)) return offset;
  }
  throw new Error('no free port offset found');
}

/**
 * Starts a mesh the way `npm start` does — the launcher's own plan and env — but spawns each
 * instance directly, with its output to a file: no console view in the path.
 */
export async function startBenchMesh(options: BenchMeshOptions): Promise<BenchMesh> {
  const users = options.userInstances ?? 1;
  const orders = options.orderInstances ?? 1;
  const dir = join(options.workDir, options.label);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const plan = planMesh({
    repoRoot,
    userInstances: users,
    orderInstances: orders,
    portOffset: await freeOffset(users + orders),
    host: '127.0.0.1',
    adminToken: options.adminToken,
    dataDir: join(dir, 'data'),
    logLevel: 'info',
    registry: 'static',
    etcdEndpoints: [],
  });
  // like the launcher's supervisor: its own env, then the plan's, then the bench's settings
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(baseEnv)) if (key.startsWith('OTEL_')) delete baseEnv[key];
  const extra = {
    RATE_LIMIT_POLICY: 'off',
    ...telemetryEnv(options.telemetry, options.receiver),
    ...options.env,
  };
  const processes = new Map<string, BenchProcess>();
  const started = Date.now();
  const mesh: BenchMesh = {
    label: options.label,
    plan,
    processes,
    url: (name) => `http://127.0.0.1:${byName(plan, name).apiPort}`,
    adminUrl: (name) => `http://127.0.0.1:${byName(plan, name).adminPort}`,
    startMs: 0,
    stop: async () => {
      await Promise.all([...processes.values()].reverse().map((p) => stopProcess(p)));
    },
  };
  try {
    for (const service of ['user-service', 'order-service', 'gateway'] as const) {
      const wave = plan.filter((p) => p.service === service);
      await Promise.all(
        wave.map((instance) => {
          const proc = spawnLogged(
            instance.name,
            options.node,
            [
              ...(options.preloads ?? []).flatMap((p) => ['--require', p]),
              '--require',
              preload,
              instance.entry,
            ],
            { ...baseEnv, ...instance.env, ...extra },
            join(dir, `${instance.name}.ndjson`),
          );
          processes.set(instance.name, proc);
          return waitReady(proc, `http://127.0.0.1:${instance.apiPort}/health/ready`, 60_000);
        }),
      );
    }
  } catch (error) {
    await mesh.stop();
    throw new Error(`mesh ${options.label}: ${(error as Error).message} (logs in ${dir})`);
  }
  mesh.startMs = Date.now() - started;
  return mesh;
}

function byName(plan: InstancePlan[], name: string): InstancePlan {
  const found = plan.find((p) => p.name === name);
  if (!found) throw new Error(`no instance ${name} in the plan`);
  return found;
}
