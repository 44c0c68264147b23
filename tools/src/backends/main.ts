import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { planMesh } from '../launcher/plan';
import { isPortFree } from '../launcher/ports';
import { startCollector } from './collector';
import {
  DEBIAN_ENGINES,
  isEngineMissingError,
  requireBuiltEngine,
  requireInstalledEngine,
} from './engines';
import { installIndexTemplate, INDEX_TEMPLATE_NAME, logstashDataStream } from './index-template';
import { startJaeger } from './jaeger';
import { startLogShipper } from './log-shipper';
import type { LogShipper } from './log-shipper';
import { startOpenSearch } from './opensearch';
import { backendPorts, MAX_BACKEND_PORT_OFFSET } from './ports';
import type { BackendPorts } from './ports';
import { startAlertmanager, startPrometheus } from './prometheus';
import { derivePrometheusConfig, meshScrapeTargets } from './prometheus-config';
import type { StaticTarget } from './prometheus-config';

const repoRoot = resolve(__dirname, '..', '..', '..');
const HOST = '127.0.0.1';

function wholeNumber(max: number, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

interface BackendsOptions {
  portOffset: number;
  meshPortOffset: number;
  userInstances: number;
  orderInstances: number;
  logs: boolean;
  meshLogsDir: string;
  build: boolean;
  dataDir: string;
  readyTimeout: number;
}

const program = new Command()
  .name('npm run backends --')
  .description(
    "Runs the real observability backends natively on 127.0.0.1 with the stack's own config files: " +
      'the OpenTelemetry Collector, Jaeger v2, Prometheus and Alertmanager (and OpenSearch standing in ' +
      "for Elasticsearch with --logs). Send the mesh's traces with `npm start -- --otlp http://127.0.0.1:4318`.",
  )
  .addOption(
    new Option('--port-offset <n>', 'added to every backend port (4317, 4318, 16686, 9090, …)')
      .argParser(wholeNumber(MAX_BACKEND_PORT_OFFSET))
      .default(0),
  )
  .addOption(
    new Option(
      '--mesh-port-offset <n>',
      'the `npm start -- --port-offset` of the mesh Prometheus scrapes (its admin ports 9464…)',
    )
      .argParser(wholeNumber(50_000))
      .default(0),
  )
  .addOption(
    new Option('--user-instances <n>', 'user-service instances of that mesh (1-9)')
      .argParser(wholeNumber(9, 1))
      .default(2),
  )
  .addOption(
    new Option('--order-instances <n>', 'order-service instances of that mesh (1-9)')
      .argParser(wholeNumber(9, 1))
      .default(2),
  )
  .option(
    '--logs',
    "also run OpenSearch (standing in for Elasticsearch) on 9200, install the stack's index template and ship the mesh's log files into logs-mesh-default",
    false,
  )
  .option(
    '--mesh-logs-dir <dir>',
    "with --logs: the mesh's log directory to ship (`npm start -- --logs-dir`, <instance>.ndjson files)",
    'logs',
  )
  .option('--build', 'build the missing engines first (bash infra/engines/build-all.sh)', false)
  .option(
    '--data-dir <dir>',
    'where the backends keep their data and logs',
    join('data', 'backends'),
  )
  .addOption(
    new Option('--ready-timeout <ms>', 'how long to wait for each backend to be ready')
      .argParser(wholeNumber(600_000, 1))
      .default(90_000),
  )
  .showHelpAfterError()
  // A bad flag is a usage error: exit 2 (after commander has printed what was wrong).
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

/** A started backend process. */
interface Started {
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** One backend to run: what it listens on and how to start it. */
interface Backend {
  name: string;
  ports: [number, string][];
  start(): Promise<Started>;
}

async function main(): Promise<void> {
  const options = program.parse().opts<BackendsOptions>();
  const ports = backendPorts(options.portOffset);
  const dataDir = resolve(options.dataDir);
  const runDir = join(dataDir, 'logs');

  if (options.build) build();
  const backends = plan(options, ports, dataDir, runDir);

  const taken: string[] = [];
  for (const backend of backends) {
    for (const [port, what] of backend.ports) {
      if (!(await isPortFree(port, HOST))) taken.push(`${port} (${backend.name} ${what})`);
    }
  }
  if (taken.length > 0) {
    fail(
      `port${taken.length > 1 ? 's' : ''} already in use: ${taken.join(', ')}\n` +
        'stop whatever uses them (another `npm run backends`?) or pass --port-offset <n>',
    );
  }
  mkdirSync(runDir, { recursive: true });

  const running: (Started & { name: string })[] = [];
  let shipper: LogShipper | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      // The shipper first: its last batch still reaches OpenSearch.
      if (shipper) {
        await shipper.stop();
        const { shipped, dropped, refused, buffered } = shipper.stats();
        process.stdout.write(
          `backends: logs: ${shipped} line(s) shipped, ${dropped} dropped, ${refused} refused, ${buffered} not sent\n`,
        );
      }
      // Reverse start order: the Collector and Prometheus before what they send to.
      for (const engine of [...running].reverse()) await engine.stop();
    })());
  const onSignal = (why: string) => {
    if (stopping) return;
    process.stdout.write(`backends: ${why}, stopping every backend…\n`);
    stopAll().then(
      () => {
        process.stdout.write('backends: all stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`backends: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT received'));
  process.on('SIGTERM', () => onSignal('SIGTERM received'));
  // `kill <npm's pid>` ends npm without passing the signal on: a parent gone (re-parented to
  // init) counts as Ctrl-C, so the engines never outlive the command that started them.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) onSignal('the parent process is gone');
  }, 1000).unref();

  const started = Date.now();
  // Two waves: what receives first (Jaeger, Alertmanager, OpenSearch), then what sends to it.
  const waves = [
    backends.filter((b) => ['jaeger', 'alertmanager', 'opensearch'].includes(b.name)),
    backends.filter((b) => ['otel-collector', 'prometheus'].includes(b.name)),
  ];
  for (const wave of waves) {
    const results = await Promise.allSettled(
      wave.map(async (backend) => {
        const engine = await backend.start();
        // Ctrl-C while this one was starting: stop it at once (anything still starting when the
        // process exits is killed by engine-process.ts's exit hook).
        if (stopping) await engine.stop();
        else running.push({ name: backend.name, ...pick(engine) });
      }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0 || stopping) {
      for (const failure of failed) {
        process.stderr.write(`backends: ${messageOf(failure.reason)}\n`);
      }
      await stopAll();
      process.exit(1);
    }
  }
  if (options.logs) {
    try {
      shipper = await shipMeshLogs(options, ports, dataDir);
    } catch (error) {
      process.stderr.write(`backends: ${messageOf(error)}\n`);
      await stopAll();
      process.exit(1);
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  writeState(join(dataDir, 'backends.json'), ports, running, options);
  process.stdout.write(summary(ports, options, running));
  process.stdout.write(`backends ready in ${seconds}s — Ctrl-C stops everything\n`);
}

/**
 * `--logs`, once OpenSearch is ready: the stack's index template (its Elasticsearch-only keys
 * stripped) as kibana-setup installs it, then the mesh's `<instance>.ndjson` files shipped into the
 * data stream the Logstash pipeline names — what Filebeat and Logstash do in compose (docs/logs.md).
 */
async function shipMeshLogs(
  options: BackendsOptions,
  ports: BackendPorts,
  dataDir: string,
): Promise<LogShipper> {
  const url = `http://${HOST}:${ports.opensearch}`;
  await installIndexTemplate(url, repoRoot);
  return startLogShipper({
    url,
    dataStream: logstashDataStream(repoRoot),
    dir: resolve(options.meshLogsDir),
    // Kept beside OpenSearch's data: a restart does not ship the same lines again.
    registryFile: join(dataDir, 'log-shipper.json'),
    onWarning: (message) => process.stderr.write(`backends: logs: ${message}\n`),
  });
}

/** Which backends run, each with its engine located (every missing engine named, then exit 1). */
function plan(
  options: BackendsOptions,
  ports: BackendPorts,
  dataDir: string,
  runDir: string,
): Backend[] {
  const missing: string[] = [];
  const locate = (find: () => string): string => {
    try {
      return find();
    } catch (error) {
      if (!isEngineMissingError(error)) throw error;
      missing.push(error.message);
      return '';
    }
  };
  const collector = locate(() => requireBuiltEngine('otelcol', repoRoot));
  const jaeger = locate(() => requireBuiltEngine('jaeger', repoRoot));
  const opensearch = options.logs ? locate(() => requireBuiltEngine('opensearch', repoRoot)) : '';
  const prometheus = locate(() => requireInstalledEngine(DEBIAN_ENGINES.prometheus));
  const alertmanager = locate(() => requireInstalledEngine(DEBIAN_ENGINES.alertmanager));
  if (missing.length > 0) fail(missing.join('\n'));

  const readyTimeoutMs = options.readyTimeout;
  const common = { repoRoot, ports, host: HOST, runDir, readyTimeoutMs };
  const backends: Backend[] = [
    {
      name: 'jaeger',
      ports: [
        [ports.jaegerQuery, 'query'],
        [ports.jaegerOtlpGrpc, 'OTLP gRPC'],
        [ports.jaegerOtlpHttp, 'OTLP HTTP'],
        [ports.jaegerThriftHttp, 'Thrift HTTP'],
        [ports.jaegerQueryGrpc, 'query gRPC'],
        [ports.jaegerHealth, 'health'],
        [ports.jaegerSelfMetrics, 'self metrics'],
      ],
      start: () => startJaeger({ ...common, executable: jaeger }),
    },
    {
      name: 'otel-collector',
      ports: [
        [ports.collectorOtlpGrpc, 'OTLP gRPC'],
        [ports.collectorOtlpHttp, 'OTLP HTTP'],
        [ports.collectorHealth, 'health'],
        [ports.collectorSpanMetrics, 'span metrics'],
        [ports.collectorSelfMetrics, 'self metrics'],
      ],
      start: () => startCollector({ ...common, executable: collector }),
    },
    {
      name: 'alertmanager',
      ports: [[ports.alertmanager, 'API']],
      start: () =>
        startAlertmanager({
          executable: alertmanager,
          host: HOST,
          port: ports.alertmanager,
          configFile: join(repoRoot, 'infra', 'alertmanager', 'alertmanager.yml'),
          workDir: join(dataDir, 'alertmanager'),
          keepWorkDir: true,
          readyTimeoutMs,
        }),
    },
    {
      name: 'prometheus',
      ports: [[ports.prometheus, 'API']],
      start: () =>
        startPrometheus({
          executable: prometheus,
          host: HOST,
          port: ports.prometheus,
          config: prometheusConfig(options, ports),
          workDir: join(dataDir, 'prometheus'),
          keepWorkDir: true,
          readyTimeoutMs,
        }),
    },
  ];
  if (options.logs) {
    backends.push({
      name: 'opensearch',
      ports: [
        [ports.opensearch, 'HTTP'],
        [ports.opensearchTransport, 'transport'],
      ],
      start: () =>
        startOpenSearch({
          ...common,
          executable: opensearch,
          dataDir: join(dataDir, 'opensearch'),
        }),
    });
  }
  return backends;
}

/**
 * The stack's prometheus.yml with its service discovery replaced by static 127.0.0.1 targets
 * (tools/src/backends/prometheus-config.ts): the mesh instances of the launcher's port plan for
 * `--mesh-port-offset`, the Collector's span metrics, Prometheus and Alertmanager themselves.
 */
function prometheusConfig(options: BackendsOptions, ports: BackendPorts): string {
  const mesh = planMesh({
    repoRoot,
    userInstances: options.userInstances,
    orderInstances: options.orderInstances,
    portOffset: options.meshPortOffset,
    host: HOST,
    // Only the ports of the plan are used here.
    adminToken: '',
    dataDir: '',
    logLevel: 'info',
    registry: 'static',
    etcdEndpoints: [],
  });
  const targets: Record<string, (string | StaticTarget)[]> = {
    ...meshScrapeTargets(
      mesh.map((p) => ({
        name: p.name,
        service: p.service,
        adminUrl: `http://${HOST}:${p.adminPort}`,
      })),
    ),
    'otel-collector': [`${HOST}:${ports.collectorSpanMetrics}`],
    prometheus: [`${HOST}:${ports.prometheus}`],
    alertmanager: [`${HOST}:${ports.alertmanager}`],
  };
  return derivePrometheusConfig({
    configFile: join(repoRoot, 'infra', 'prometheus', 'prometheus.yml'),
    targets,
    alertmanager: `${HOST}:${ports.alertmanager}`,
  });
}

/** `--build`: the engine build scripts, output shown as it comes; a failed build stops here. */
function build(): void {
  const script = join(repoRoot, 'infra', 'engines', 'build-all.sh');
  process.stdout.write(`backends: building the engines (bash ${script})…\n`);
  const result = spawnSync('bash', [script], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    fail(
      `the engine build failed (bash infra/engines/build-all.sh exited ${result.status ?? result.signal})`,
    );
  }
}

function summary(
  ports: BackendPorts,
  options: BackendsOptions,
  running: readonly { name: string; logFile: string }[],
): string {
  const url = (port: number, path = '') => `http://${HOST}:${port}${path}`;
  const rows: [string, string, string][] = [
    [
      'Jaeger v2',
      url(ports.jaegerQuery),
      `API ${url(ports.jaegerQuery, '/api/traces/<trace id>')} (the UI is a placeholder page when built from the Go module)`,
    ],
    [
      'Collector',
      url(ports.collectorOtlpHttp),
      `OTLP/HTTP; OTLP/gRPC ${HOST}:${ports.collectorOtlpGrpc}; health ${url(ports.collectorHealth)}`,
    ],
    [
      '  span metrics',
      url(ports.collectorSpanMetrics, '/metrics'),
      'scraped as job otel-collector',
    ],
    [
      'Jaeger OTLP',
      url(ports.jaegerOtlpHttp),
      `straight to Jaeger; gRPC ${HOST}:${ports.jaegerOtlpGrpc}`,
    ],
    [
      'Prometheus',
      url(ports.prometheus),
      `scrapes the mesh of --port-offset ${options.meshPortOffset}`,
    ],
    ['Alertmanager', url(ports.alertmanager), 'receives the alerts of infra/prometheus/rules'],
  ];
  if (options.logs) {
    rows.push([
      'OpenSearch',
      url(ports.opensearch),
      'standing in for Elasticsearch (not the same product)',
    ]);
    rows.push([
      '  mesh logs',
      url(ports.opensearch, `/${logstashDataStream(repoRoot)}/_search`),
      `shipping ${join(resolve(options.meshLogsDir), '*.ndjson')} every 1s (template ${INDEX_TEMPLATE_NAME})`,
    ]);
  }
  const header: [string, string, string] = ['backend', 'URL', ''];
  const nameWidth = Math.max(...[header, ...rows].map((r) => r[0].length));
  const urlWidth = Math.max(...[header, ...rows].map((r) => r[1].length));
  const line = ([name, address, note]: [string, string, string]) =>
    `${name.padEnd(nameWidth)}  ${address.padEnd(urlWidth)}  ${note}`.trimEnd();
  const meshFlags = options.meshPortOffset === 0 ? '' : ` --port-offset ${options.meshPortOffset}`;
  return [
    '',
    line(header),
    line(['-'.repeat(nameWidth), '-'.repeat(urlWidth), '']),
    ...rows.map(line),
    '',
    'logs:',
    ...running.map((engine) => `  ${engine.name.padEnd(14)}  ${engine.logFile}`),
    '',
    "send the mesh's traces here:",
    `  npm start --${meshFlags} --otlp ${url(ports.collectorOtlpHttp)}`,
    '',
  ].join('\n');
}

/** What runs where, for tools and tests: `<data dir>/backends.json`. */
function writeState(
  file: string,
  ports: BackendPorts,
  running: { name: string; pid: number; logFile: string }[],
  options: BackendsOptions,
): void {
  const engines = Object.fromEntries(
    running.map((engine) => [engine.name, { pid: engine.pid, log: engine.logFile }]),
  );
  const state = {
    pid: process.pid,
    host: HOST,
    portOffset: options.portOffset,
    meshPortOffset: options.meshPortOffset,
    ports,
    engines,
  };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

function pick(engine: Started): Started {
  return { pid: engine.pid, logFile: engine.logFile, stop: () => engine.stop() };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(message: string): never {
  for (const line of message.split('\n')) process.stderr.write(`backends: ${line}\n`);
  process.exit(1);
}

main().catch((error: unknown) => fail(messageOf(error)));
