import { dirname, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DEFAULT_LAUNCHER_STATE, resolveAdminToken } from '../mesh-admin';
import { EXIT_USAGE, UsageError, isUsageError } from '../cli/usage-error';
import { etcdControl } from './etcd-control';
import { SCENARIOS, findScenario } from './index';
import { formatEnding, runScenario } from './runner';
import type { ScenarioOptions } from './scenario';

interface Flags {
  list: boolean;
  json: boolean;
  target: string;
  token?: string;
  state: string;
  logsDir?: string;
  etcdEndpoints: string;
  etcdPid?: string;
  etcdStop?: string;
  etcdStart?: string;
  grafana: string;
  jaeger: string;
  kibana: string;
  prometheus: string;
}

const program = new Command()
  .name('npm run scenario --')
  .description(
    'Runs one guided experiment against the running mesh (native or compose) and ends with PASS or FAIL.',
  )
  .argument('[name]', 'the scenario (see --list)')
  .option('--list', 'list the scenarios', false)
  .option('--json', 'print the report as one JSON object instead of the step-by-step text', false)
  .option(
    '--target <url>',
    "the gateway's API URL; admin URLs are read from its /admin/status",
    'http://127.0.0.1:8080',
  )
  .option(
    '--token <token>',
    "the mesh's ADMIN_TOKEN (default: $ADMIN_TOKEN, else the launcher's mesh.json)",
  )
  .option(
    '--state <file>',
    "the native launcher's mesh.json (to kill an instance)",
    DEFAULT_LAUNCHER_STATE,
  )
  .option(
    '--logs-dir <dir>',
    "the native instances' <instance>.ndjson logs (default: beside --state)",
  )
  .option(
    '--etcd-endpoints <urls>',
    'etcd client URLs of the mesh, comma-separated (registry-outage)',
    'http://127.0.0.1:2379',
  )
  .option(
    '--etcd-pid <pid>',
    'registry-outage: freeze and thaw this etcd process (SIGSTOP / SIGCONT)',
  )
  .option(
    '--etcd-stop <command>',
    "registry-outage: shell command that stops etcd, e.g. 'docker compose stop etcd'",
  )
  .option(
    '--etcd-start <command>',
    "registry-outage: shell command that starts it again, e.g. 'docker compose start etcd'",
  )
  .option('--grafana <url>', 'Grafana, for the links', 'http://localhost:3000')
  .option('--jaeger <url>', 'Jaeger UI, for the links', 'http://localhost:16686')
  .option('--kibana <url>', 'Kibana, for the links', 'http://localhost:5601')
  .option('--prometheus <url>', 'Prometheus, for the links', 'http://localhost:9090')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

function url(flag: string, value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new UsageError(`${flag}: "${value}" is not an http(s) URL`);
  }
  return value.replace(/\/+$/, '');
}

function list(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length));
  return [
    'scenarios (npm run scenario -- <name>):',
    ...SCENARIOS.map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${s.summary}${s.needs ? `\n  ${' '.repeat(width)}  needs: ${s.needs}` : ''}`,
    ),
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  try {
    program.parse();
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
  const flags = program.opts<Flags>();
  const [name] = program.args;
  if (flags.list) {
    process.stdout.write(list());
    return 0;
  }
  if (name === undefined) throw new UsageError('name a scenario (npm run scenario -- --list)');
  const scenario = findScenario(name);
  if (!scenario)
    throw new UsageError(
      `no scenario "${name}"; there are: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );

  const target = url('--target', flags.target);
  const stateFile = resolve(flags.state);
  const token = resolveAdminToken({
    flag: flags.token,
    env: process.env['ADMIN_TOKEN'],
    stateFile,
  });
  if (!token) {
    throw new UsageError(
      `no admin token: pass --token, set ADMIN_TOKEN, or run against the mesh of ${stateFile}`,
    );
  }
  const endpoints = flags.etcdEndpoints
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const endpoint of endpoints) url('--etcd-endpoints', endpoint);
  const options: ScenarioOptions = {
    target,
    token,
    stateFile,
    logsDir: resolve(flags.logsDir ?? dirname(stateFile)),
    etcdEndpoints: endpoints,
    etcd: etcdControl(flags),
    links: {
      grafana: url('--grafana', flags.grafana),
      jaeger: url('--jaeger', flags.jaeger),
      kibana: url('--kibana', flags.kibana),
      prometheus: url('--prometheus', flags.prometheus),
    },
  };
  if (scenario.name === 'registry-outage' && !options.etcd) {
    throw new UsageError(
      'registry-outage stops etcd: say how with --etcd-pid <pid> (native etcd), or --etcd-stop/--etcd-start ' +
        "(compose: --etcd-stop 'docker compose stop etcd' --etcd-start 'docker compose start etcd')",
    );
  }

  const interrupt = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    if (!flags.json)
      process.stdout.write(
        '\nSIGINT: stopping and restoring the mesh (Ctrl-C again to leave it as it is)\n',
      );
    interrupt.abort();
  });
  const report = await runScenario(scenario, options, {
    signal: interrupt.signal,
    ...(flags.json ? {} : { print: (line: string) => process.stdout.write(`${line}\n`) }),
  });
  process.stdout.write(
    flags.json ? `${JSON.stringify(report)}\n` : `${formatEnding(report).join('\n')}\n`,
  );
  return report.verdict === 'PASS' ? 0 : 1;
}

/** Exits once stdout is flushed: keep-alive sockets of the clients must not hold the process. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main().then(exit, (error: unknown) => {
  if (isUsageError(error)) {
    process.stderr.write(`scenario: ${error.message}\n`);
    exit(EXIT_USAGE);
    return;
  }
  process.stderr.write(`scenario: ${error instanceof Error ? error.message : String(error)}\n`);
  exit(1);
});
