import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatLogLine } from './log-view';
import { backendLinks, otlpExportEnv, parseOtlpTarget } from './otlp';
import { planMesh } from './plan';
import type { InstancePlan } from './plan';
import { isPortFree } from './ports';
import { waitUntilReady } from './readiness';
import { Supervisor } from './supervisor';

const repoRoot = resolve(__dirname, '..', '..', '..');

function count(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

function offset(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 50_000) {
    throw new InvalidArgumentError('must be a whole number from 0 to 50000');
  }
  return n;
}

interface LauncherOptions {
  userInstances: number;
  orderInstances: number;
  portOffset: number;
  host: string;
  json: boolean;
  dataDir: string;
  logsDir: string;
  logLevel: string;
  readyTimeout: number;
  registry: 'static' | 'etcd';
  etcdEndpoints: string;
  database?: string;
  otlp?: string;
}

/** `--database`: a postgres:// URL, checked before anything starts. */
function databaseUrl(value: string): string {
  if (!URL.canParse(value) || !/^postgres(ql)?:$/.test(new URL(value).protocol)) {
    throw new InvalidArgumentError('must be a postgres:// URL, e.g. postgres://user:pw@host/db');
  }
  return value;
}

const program = new Command()
  .name('npm start --')
  .description(
    'Runs the observable-mesh natively: gateway, user-service and order-service instances.',
  )
  .addOption(
    new Option('--user-instances <n>', 'user-service instances (1-9)')
      .argParser(count(9))
      .default(2),
  )
  .addOption(
    new Option('--order-instances <n>', 'order-service instances (1-9)')
      .argParser(count(9))
      .default(2),
  )
  .addOption(
    new Option('--port-offset <n>', 'added to every port of the plan').argParser(offset).default(0),
  )
  .option('--host <address>', 'address every service listens on', '127.0.0.1')
  .option('--json', 'print the raw JSON log lines instead of the readable view', false)
  .option('--data-dir <dir>', 'where the SQLite files live', 'data')
  .addOption(
    new Option(
      '--database <url>',
      'PostgreSQL for user-service and order-service (DATABASE_URL) instead of SQLite files',
    ).argParser(databaseUrl),
  )
  .option(
    '--otlp <url>',
    "export every service's traces over OTLP/HTTP to this receiver, e.g. http://127.0.0.1:4318 (npm run backends)",
  )
  .option('--logs-dir <dir>', 'where each instance writes <instance>.ndjson', 'logs')
  .addOption(
    new Option('--log-level <level>', 'LOG_LEVEL of every service')
      .choices(['error', 'warn', 'info', 'debug'])
      .default('info'),
  )
  .addOption(
    new Option('--registry <kind>', "service registry: the launcher's static list, or etcd")
      .choices(['static', 'etcd'])
      .default('static'),
  )
  .option(
    '--etcd-endpoints <urls>',
    'etcd client URLs, comma-separated (with --registry etcd)',
    'http://127.0.0.1:2379',
  )
  .addOption(
    new Option('--ready-timeout <ms>', 'how long to wait for every instance to be ready')
      .argParser(count(600_000))
      .default(60_000),
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  const options = program.parse().opts<LauncherOptions>();
  const otlp = options.otlp === undefined ? undefined : parseOtlpTarget(options.otlp);
  if (otlp?.ok === false) usage(`--otlp: ${otlp.reason}, e.g. --otlp http://127.0.0.1:4318`);
  const otlpUrl = otlp?.ok === true ? otlp.url : undefined;
  const preload = resolve(repoRoot, 'libs', 'telemetry', 'dist', 'register.js');
  const adminToken = process.env['ADMIN_TOKEN'] ?? randomBytes(24).toString('base64url');
  const dataDir = resolve(options.dataDir);
  const logsDir = resolve(options.logsDir);
  const plan = planMesh({
    repoRoot,
    userInstances: options.userInstances,
    orderInstances: options.orderInstances,
    portOffset: options.portOffset,
    host: options.host,
    adminToken,
    dataDir,
    ...(options.database === undefined ? {} : { databaseUrl: options.database }),
    logLevel: options.logLevel,
    registry: options.registry,
    etcdEndpoints: parseEndpoints(options.etcdEndpoints),
  });

  const missing = [preload, ...new Set(plan.map((p) => p.entry))].filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0) {
    fail(
      `not built: ${missing.join(', ')}\nrun \`npm start\` (it builds first) or \`npm run build\``,
    );
  }
  const taken: string[] = [];
  for (const instance of plan) {
    for (const [port, what] of [
      [instance.apiPort, 'API'],
      [instance.adminPort, 'admin'],
    ] as const) {
      if (!(await isPortFree(port, options.host))) taken.push(`${port} (${instance.name} ${what})`);
    }
  }
  if (taken.length > 0) {
    fail(
      `port${taken.length > 1 ? 's' : ''} already in use: ${taken.join(', ')}\n` +
        'stop whatever uses them (another `npm start`?) or pass --port-offset <n>',
    );
  }
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(logsDir, { recursive: true });

  const color = process.stdout.isTTY === true && !options.json;
  const supervisor = new Supervisor({
    preload,
    logsDir,
    baseEnv: otlpUrl === undefined ? process.env : { ...process.env, ...otlpExportEnv(otlpUrl) },
    print: (line) => process.stdout.write(`${line}\n`),
    view: options.json
      ? (_instance, line) => line
      : (instance, line) => formatLogLine(instance, line, color),
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`launcher: ${signal} received, stopping every instance…\n`);
    supervisor.stop().then(
      () => {
        process.stdout.write('launcher: all instances stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`launcher: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const started = Date.now();
  try {
    // In dependency order — users, then orders, then the gateway — so every caller's first
    // health check finds its upstreams already listening (what compose's depends_on does).
    for (const service of ['user-service', 'order-service', 'gateway'] as const) {
      const wave = plan.filter((instance) => instance.service === service);
      for (const instance of wave) supervisor.start(instance);
      await Promise.all(
        wave.map((instance) =>
          waitUntilReady(
            `http://${options.host}:${instance.apiPort}/health/ready`,
            options.readyTimeout,
          ),
        ),
      );
    }
  } catch (error) {
    process.stderr.write(`launcher: ${error instanceof Error ? error.message : String(error)}\n`);
    stop('start-up failure');
    return;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  writeMeshState(resolve(logsDir, 'mesh.json'), plan, options.host, adminToken, supervisor.pids());
  process.stdout.write(
    summary(plan, options.host, adminToken, process.env['ADMIN_TOKEN'] !== undefined),
  );
  if (otlpUrl !== undefined) process.stdout.write(traceLinks(otlpUrl));
  process.stdout.write(`observable-mesh is ready in ${seconds}s — Ctrl-C stops everything\n`);
}

function summary(plan: InstancePlan[], host: string, token: string, tokenFromEnv: boolean): string {
  const rows = plan.map((p) => [
    p.name,
    `http://${host}:${p.apiPort}`,
    `http://${host}:${p.adminPort}/metrics`,
  ]);
  const header = ['instance', 'API', 'metrics (admin port)'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  const gateway = plan.find((p) => p.service === 'gateway') as InstancePlan;
  const api = `http://${host}:${gateway.apiPort}/api`;
  return [
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `admin token${tokenFromEnv ? ' (from ADMIN_TOKEN)' : ''}: ${token}`,
    '',
    'try:',
    `  curl -s -X POST ${api}/users -H 'content-type: application/json' -d '{"name":"Ada","email":"ada@example.com"}'`,
    `  curl -s -X POST ${api}/orders -H 'content-type: application/json' -H 'Idempotency-Key: order-1' \\`,
    `       -d '{"userId":"<user id>","items":[{"sku":"BOOK-1","quantity":2,"unitPrice":1250}]}'`,
    `  curl -s -X POST http://${host}:${plan[0]?.adminPort}/admin/chaos -H "Authorization: Bearer ${token}" \\`,
    `       -H 'content-type: application/json' -d '{"errorRate":0.5,"durationMs":60000}'`,
    '',
  ].join('\n');
}

/** Printed beside the URL table with `--otlp`: where the traces go and where to look at them. */
function traceLinks(url: URL): string {
  const links = backendLinks(url);
  const note = links.guessed ? ' (the defaults of `npm run backends`)' : '';
  return [
    `traces: OTLP/HTTP (protobuf) → ${otlpExportEnv(url)['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']}`,
    `  Jaeger      ${links.jaeger}  (API: ${links.jaeger}/api/traces/<trace id>)${note}`,
    `  Prometheus  ${links.prometheus}${note}`,
    '',
    '',
  ].join('\n');
}

/** What is running where, for tools and tests: `logs/mesh.json` (readable by the owner only). */
function writeMeshState(
  file: string,
  plan: InstancePlan[],
  host: string,
  adminToken: string,
  pids: Record<string, number | undefined>,
): void {
  const instances = plan.map((p) => ({
    name: p.name,
    service: p.service,
    url: `http://${host}:${p.apiPort}`,
    adminUrl: `http://${host}:${p.adminPort}`,
    pid: pids[p.name] ?? null,
  }));
  writeFileSync(
    file,
    `${JSON.stringify({ launcherPid: process.pid, adminToken, instances }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
}

function parseEndpoints(value: string): string[] {
  const endpoints = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const endpoint of endpoints) {
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
      fail(`--etcd-endpoints: "${endpoint}" is not an http(s) URL`);
    }
  }
  if (endpoints.length === 0) fail('--etcd-endpoints: give at least one URL');
  return endpoints;
}

/** A bad flag value: exit 2 (usage), like `npm run backends`. */
function usage(message: string): never {
  process.stderr.write(`launcher: ${message}\n`);
  process.exit(2);
}

function fail(message: string): never {
  process.stderr.write(`launcher: ${message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
