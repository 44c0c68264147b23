import { Command, InvalidArgumentError, Option } from 'commander';
import { durationArg, httpUrlArg, numberArg, parseWith } from '../cli/commander-parse';
import { UsageError } from '../cli/usage-error';
import type { LoadBound } from './load-bounds';
import { parseLoadBounds } from './load-bounds';
import type { ProfileName } from './profiles';
import { PROFILE_NAMES, PROFILES } from './profiles';

/** What `npm run load -- …` asked for. */
export interface LoadCommand {
  target: string;
  profile: ProfileName;
  rate?: number;
  /** Undefined: the profile's; `forever`: rounds until stopped. */
  durationMs?: number | 'forever';
  connections?: number;
  timeoutMs: number;
  json: boolean;
  bounds: LoadBound[];
}

/** Length of one round of `--duration forever`, ms. */
export const FOREVER_ROUND_MS = 60_000;

const durationOrForever = (value: string): number | 'forever' =>
  value === 'forever' ? 'forever' : durationArg(1000, 24 * 3_600_000)(value);

function program(): Command {
  const profiles = PROFILE_NAMES.map(
    (name) =>
      `  ${name.padEnd(7)} ${PROFILES[name].description} (default ${PROFILES[name].rate} req/s, ` +
      `${PROFILES[name].connections} connections, ${PROFILES[name].durationMs / 1000}s)`,
  ).join('\n');
  return new Command()
    .name('npm run load --')
    .description(
      "Sends a profile's mix of API requests through the gateway and reports what came back.",
    )
    .addOption(
      new Option('--target <url>', "the gateway's API URL")
        .argParser(httpUrlArg)
        .default('http://127.0.0.1:8080'),
    )
    .addOption(
      new Option('--profile <name>', 'request mix').choices(PROFILE_NAMES).default('steady'),
    )
    .addOption(
      new Option(
        '--rate <n>',
        "requests per second over all connections (default: the profile's)",
      ).argParser(numberArg(1, 100_000, true)),
    )
    .addOption(
      new Option(
        '--duration <d>',
        "how long, e.g. 30s, 2m, or forever (rounds of 60s, one line each) (default: the profile's)",
      ).argParser(durationOrForever),
    )
    .addOption(
      new Option('--connections <n>', "concurrent connections (default: the profile's)").argParser(
        numberArg(1, 1000, true),
      ),
    )
    .addOption(
      new Option('--timeout <d>', 'a request without an answer within this is an error')
        .argParser(durationArg(1, 600_000))
        .default(10_000, '10s'),
    )
    .option('--json', 'print one JSON object with the figures instead of the table', false)
    .addOption(
      new Option(
        '--assert <bounds>',
        "exit 1 unless every bound holds, e.g. 'p99<300ms,errors=0,degraded<5%'",
      ).argParser((value: string) => {
        try {
          return parseLoadBounds(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message.replace(/^--assert: /, ''));
        }
      }),
    )
    .addHelpText(
      'after',
      `\nProfiles:\n${profiles}\n\nExit: 0 done, 1 a bound missed or the load failed, 2 bad flags.`,
    );
}

/** Parses the command line; throws `UsageError` (exit 2) or `HelpShown`. */
export function parseLoadArgs(argv: readonly string[]): LoadCommand {
  const cmd = parseWith(program(), argv);
  if (cmd.args.length > 0)
    throw new UsageError(`unexpected argument "${cmd.args[0]}" (flags only)`);
  const o = cmd.opts<{
    target: string;
    profile: ProfileName;
    rate?: number;
    duration?: number | 'forever';
    connections?: number;
    timeout: number;
    json: boolean;
    assert?: LoadBound[];
  }>();
  if (o.duration === 'forever' && (o.json || o.assert)) {
    throw new UsageError(
      '--duration forever: cannot be combined with --json or --assert (they report once, at the end)',
    );
  }
  return {
    target: o.target,
    profile: o.profile,
    ...(o.rate === undefined ? {} : { rate: o.rate }),
    ...(o.duration === undefined ? {} : { durationMs: o.duration }),
    ...(o.connections === undefined ? {} : { connections: o.connections }),
    timeoutMs: o.timeout,
    json: o.json,
    bounds: o.assert ?? [],
  };
}
