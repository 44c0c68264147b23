import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { HelpShown } from '../cli/commander-parse';
import { EXIT_USAGE, isUsageError } from '../cli/usage-error';
import type { BenchSettings } from './bench-args';
import { parseBenchArgs } from './bench-args';
import { ensureNode } from './node-runtime';
import { formatReport } from './report';
import type { BenchResults } from './run-bench';
import {
  machine,
  makeWorkDir,
  runResilience,
  runThroughput,
  startDiscardingReceiver,
} from './run-bench';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** `npm run bench -- …`: see `--help` and docs/benchmarks.md. */
async function main(): Promise<number> {
  let settings: BenchSettings;
  try {
    settings = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof HelpShown) return 0;
    if (isUsageError(error)) {
      process.stderr.write(`bench: ${error.message}\n(npm run bench -- --help lists the flags)\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: { ...machine(), load: loadavg() },
    settings,
    runtimes: [],
    resilience: { samples: [], ejections: {}, notes: [] },
    skipped: [],
  };
  const work = makeWorkDir();
  const receiver = await startDiscardingReceiver();
  try {
    const runtimes: { node: string; version: string; preloads: string[] }[] = [
      { node: process.execPath, version: `Node ${process.versions.node}`, preloads: [] },
    ];
    if (settings.only.includes('node')) {
      const other = await ensureNode(settings.node, log);
      if (other.ok)
        runtimes.push({
          node: other.node,
          version: `Node ${other.version}`,
          preloads: other.preloads,
        });
      else {
        log(`bench: the Node side-by-side is skipped: ${other.reason}`);
        results.skipped.push(`Node side-by-side: ${other.reason}`);
      }
    }
    if (
      settings.only.some(
        (c) => c === 'telemetry' || c === 'limit' || c === 'gateway-hop' || c === 'node',
      )
    ) {
      for (const runtime of runtimes) {
        try {
          results.runtimes.push(
            await runThroughput(
              runtime.node,
              runtime.version,
              runtime.preloads,
              settings,
              work.dir,
              receiver,
              { log },
            ),
          );
        } catch (error) {
          // the machine's Node failing is the bench failing; a second Node only loses its column
          if (runtime.node === process.execPath) throw error;
          log(`bench: ${runtime.version} skipped: ${(error as Error).message}`);
          results.skipped.push(`${runtime.version}: ${(error as Error).message}`);
        }
      }
    }
    results.resilience = await runResilience(settings, work.dir, { log });
  } finally {
    await receiver.close();
    work.remove();
  }
  results.finishedAt = new Date().toISOString();
  const out = resolve(settings.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(formatReport(results));
  log(`bench: every sample in ${out}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
