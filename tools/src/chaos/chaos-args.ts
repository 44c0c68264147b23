import { Command, Option } from 'commander';
import { durationArg, httpUrlArg, numberArg, parseWith } from '../cli/commander-parse';
import { UsageError } from '../cli/usage-error';
import type { Fault } from '../mesh-admin';
import { DEFAULT_LAUNCHER_STATE } from '../mesh-admin';

/** What `npm run chaos -- …` asked for. */
export type ChaosAction =
  | { kind: 'list' }
  | { kind: 'fault'; name: string; fault: Fault }
  | { kind: 'clear'; name: string }
  | { kind: 'kill'; name: string; signal: NodeJS.Signals };

export interface ChaosCommand {
  action: ChaosAction;
  target: string;
  /** The gateway's admin URL; undefined: derived from `target`. */
  admin?: string;
  token?: string;
  stateFile: string;
}

const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT'] as const;

function program(): Command {
  return new Command()
    .name('npm run chaos --')
    .description(
      "Injects faults into the mesh's instances through their admin API, clears them, kills an instance, or lists them all.",
    )
    .argument(
      '[instance]',
      'an instance id (order-service-2) or a service (order-service: every instance of it)',
    )
    .addOption(
      new Option(
        '--error-rate <share>',
        'answer this share of business requests with an error, 0..1',
      ).argParser(numberArg(0, 1)),
    )
    .addOption(
      new Option('--error-status <code>', 'status of the injected errors (default 500)').argParser(
        numberArg(400, 599, true),
      ),
    )
    .addOption(
      new Option(
        '--latency <d>',
        'add this latency to every business request, e.g. 300ms',
      ).argParser(durationArg(0, 60_000)),
    )
    .addOption(
      new Option('--jitter <d>', 'plus a random extra latency up to this, e.g. 100ms').argParser(
        durationArg(0, 60_000),
      ),
    )
    .option(
      '--fail-readiness',
      'make GET /health/ready answer 503 (callers stop sending it traffic)',
    )
    .addOption(
      new Option(
        '--for <d>',
        'the fault clears itself after this, e.g. 60s or 2m (default: until --clear)',
      ).argParser(durationArg(1, 86_400_000)),
    )
    .option('--clear', 'clear the fault')
    .option('--kill', "kill the instance's process (native mesh: the launcher restarts it)")
    .addOption(
      new Option('--signal <name>', 'signal --kill sends').choices(SIGNALS).default('SIGKILL'),
    )
    .option('--list', "list every instance and its current fault, from the gateway's /admin/status")
    .addOption(
      new Option('--target <url>', "the gateway's API URL")
        .argParser(httpUrlArg)
        .default('http://127.0.0.1:8080'),
    )
    .addOption(
      new Option(
        '--admin <url>',
        "the gateway's admin URL (default: --target's port + 1384, as the port plan has it)",
      ).argParser(httpUrlArg),
    )
    .option(
      '--token <token>',
      'the admin token (default: ADMIN_TOKEN, else the one in --mesh-state)',
    )
    .option(
      '--mesh-state <file>',
      "the native launcher's state file (pids for --kill, the token)",
      DEFAULT_LAUNCHER_STATE,
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  npm run chaos -- order-service-1 --error-rate 0.5 --latency 300ms --for 60s',
        '  npm run chaos -- user-service --fail-readiness --for 30s',
        '  npm run chaos -- order-service-1 --clear',
        '  npm run chaos -- order-service-2 --kill',
        '  npm run chaos -- --list',
        '',
        'Exit: 0 done, 1 the mesh could not be reached or refused, 2 bad input.',
      ].join('\n'),
    );
}

interface RawOptions {
  errorRate?: number;
  errorStatus?: number;
  latency?: number;
  jitter?: number;
  failReadiness?: boolean;
  for?: number;
  clear?: boolean;
  kill?: boolean;
  signal: NodeJS.Signals;
  list?: boolean;
  target: string;
  admin?: string;
  token?: string;
  meshState: string;
}

/** Parses the command line; throws `UsageError` (exit 2) or `HelpShown`. */
export function parseChaosArgs(argv: readonly string[]): ChaosCommand {
  const cmd = parseWith(program(), argv);
  const o = cmd.opts<RawOptions>();
  const name = cmd.args[0];
  const faultFlags = (
    [
      ['--error-rate', o.errorRate],
      ['--error-status', o.errorStatus],
      ['--latency', o.latency],
      ['--jitter', o.jitter],
      ['--fail-readiness', o.failReadiness],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
  const actions = [
    ...(faultFlags.length > 0 ? [faultFlags.join('/')] : []),
    ...(o.clear ? ['--clear'] : []),
    ...(o.kill ? ['--kill'] : []),
    ...(o.list ? ['--list'] : []),
  ];
  if (o.for !== undefined && faultFlags.length === 0) {
    throw new UsageError('--for: goes with a fault (--error-rate, --latency, --fail-readiness)');
  }
  if (actions.length === 0) {
    throw new UsageError(
      'say what to do: a fault (--error-rate, --latency, --fail-readiness), --clear, --kill or --list',
    );
  }
  if (actions.length > 1) throw new UsageError(`one thing at a time: ${actions.join(' and ')}`);
  if (o.errorStatus !== undefined && o.errorRate === undefined) {
    throw new UsageError('--error-status: goes with --error-rate');
  }
  if (o.jitter !== undefined && o.latency === undefined) {
    throw new UsageError('--jitter: goes with --latency');
  }
  const common = {
    target: o.target,
    ...(o.admin === undefined ? {} : { admin: o.admin }),
    ...(o.token === undefined ? {} : { token: o.token }),
    stateFile: o.meshState,
  };
  if (o.list) {
    if (name !== undefined) throw new UsageError(`--list: takes no instance (got "${name}")`);
    return { action: { kind: 'list' }, ...common };
  }
  if (name === undefined) {
    throw new UsageError(
      `${actions[0]}: name the instance or service, e.g. npm run chaos -- order-service-1 ${actions[0]}`,
    );
  }
  if (o.clear) return { action: { kind: 'clear', name }, ...common };
  if (o.kill) return { action: { kind: 'kill', name, signal: o.signal }, ...common };
  const fault: Fault = {
    ...(o.errorRate === undefined ? {} : { errorRate: o.errorRate }),
    ...(o.errorStatus === undefined ? {} : { errorStatus: o.errorStatus }),
    ...(o.latency === undefined ? {} : { latencyMs: o.latency }),
    ...(o.jitter === undefined ? {} : { latencyJitterMs: o.jitter }),
    ...(o.failReadiness ? { failReadiness: true } : {}),
    ...(o.for === undefined ? {} : { durationMs: o.for }),
  };
  return { action: { kind: 'fault', name, fault }, ...common };
}
