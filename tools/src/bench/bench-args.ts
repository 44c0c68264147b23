import { Command, InvalidArgumentError, Option } from 'commander';
import { durationArg, numberArg, parseWith } from '../cli/commander-parse';

export const COMPARISONS = [
  'telemetry',
  'limit',
  'gateway-hop',
  'fail-fast',
  'failover',
  'node',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface BenchSettings {
  quick: boolean;
  rounds: number;
  durationMs: number;
  warmupMs: number;
  connections: number;
  only: Comparison[];
  /** Where latest.json goes. */
  out: string;
  /** Extra Node binary for the side-by-side, or the NODE_VERSION of `.env` installed by the bench. */
  node?: string;
}

const QUICK = { rounds: 1, durationMs: 1000, warmupMs: 300, connections: 4 };
const FULL = { rounds: 3, durationMs: 10_000, warmupMs: 3000, connections: 16 };

function program(): Command {
  return new Command()
    .name('npm run bench --')
    .description(
      'Runs the mesh side by side with its own variants, a naive chain and nginx; prints a table and writes bench/results/latest.json.',
    )
    .option(
      '--quick',
      'a smoke run: 1 short round per configuration, figures not meaningful',
      false,
    )
    .addOption(
      new Option(
        '--rounds <n>',
        'measured rounds per configuration (default 3; --quick 1)',
      ).argParser(numberArg(1, 50, true)),
    )
    .addOption(
      new Option('--duration <d>', 'length of one round (default 10s; --quick 1s)').argParser(
        durationArg(500, 600_000),
      ),
    )
    .addOption(
      new Option(
        '--warmup <d>',
        'warm-up per configuration before the rounds (default 3s)',
      ).argParser(durationArg(0, 600_000)),
    )
    .addOption(
      new Option(
        '--connections <n>',
        'concurrent keep-alive connections (default 16; --quick 4)',
      ).argParser(numberArg(1, 1000, true)),
    )
    .addOption(
      new Option(
        '--only <list>',
        `comparisons to run, comma-separated: ${COMPARISONS.join(', ')}`,
      ).argParser((value: string) => {
        const names = value.split(',').map((s) => s.trim());
        const bad = names.filter((n) => !(COMPARISONS as readonly string[]).includes(n));
        if (bad.length > 0 || names.length === 0) {
          throw new InvalidArgumentError(
            `unknown comparison ${bad.join(', ')} (use ${COMPARISONS.join(', ')})`,
          );
        }
        return names;
      }),
    )
    .option(
      '--node <path>',
      'Node binary for the side-by-side (default: NODE_VERSION of .env, installed into the cache)',
    )
    .option('--out <file>', 'where the JSON goes', 'bench/results/latest.json')
    .addHelpText(
      'after',
      '\nExit: 0 done, 1 the bench failed, 2 bad flags. See docs/benchmarks.md.',
    );
}

/** Parses the command line; throws `UsageError` (exit 2) or `HelpShown`. */
export function parseBenchArgs(argv: readonly string[]): BenchSettings {
  const o = parseWith(program(), argv).opts<{
    quick: boolean;
    rounds?: number;
    duration?: number;
    warmup?: number;
    connections?: number;
    only?: Comparison[];
    node?: string;
    out: string;
  }>();
  const d = o.quick ? QUICK : FULL;
  return {
    quick: o.quick,
    rounds: o.rounds ?? d.rounds,
    durationMs: o.duration ?? d.durationMs,
    warmupMs: o.warmup ?? d.warmupMs,
    connections: o.connections ?? d.connections,
    // the Node side-by-side installs and compiles: a full run's business, or asked for by --only
    only: o.only ?? COMPARISONS.filter((c) => !o.quick || c !== 'node'),
    out: o.out,
    ...(o.node === undefined ? {} : { node: o.node }),
  };
}
