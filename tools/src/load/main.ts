import { HelpShown } from '../cli/commander-parse';
import { EXIT_USAGE, isUsageError } from '../cli/usage-error';
import { checkLoadBounds } from './load-bounds';
import type { LoadCommand } from './load-args';
import { FOREVER_ROUND_MS, parseLoadArgs } from './load-args';
import { createProgressView } from './progress-view';
import { formatLoadLine, formatLoadReport } from './report-table';
import { runLoad } from './run-load';

/** `npm run load -- …`: see `--help`, and README "Load and chaos". */
async function main(): Promise<number> {
  let command: LoadCommand;
  try {
    command = parseLoadArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof HelpShown) return 0;
    if (isUsageError(error)) {
      process.stderr.write(`load: ${error.message}\n(npm run load -- --help lists the flags)\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const options = {
    target: command.target,
    profile: command.profile,
    ...(command.rate === undefined ? {} : { rate: command.rate }),
    ...(command.connections === undefined ? {} : { connections: command.connections }),
    timeoutMs: command.timeoutMs,
    signal: stopping.signal,
  };

  if (command.durationMs === 'forever') {
    process.stdout.write(
      `load: profile ${command.profile} against ${command.target} until stopped, one line a minute\n`,
    );
    while (!stopping.signal.aborted) {
      try {
        const report = await runLoad({ ...options, durationMs: FOREVER_ROUND_MS });
        process.stdout.write(`${formatLoadLine(report)}\n`);
      } catch (error) {
        if (stopping.signal.aborted) break;
        // the target may be starting or restarting: say so, wait, try again
        process.stdout.write(`load: ${(error as Error).message}; retrying in 5s\n`);
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    }
    return 0;
  }

  const view = createProgressView(process.stderr);
  let report;
  try {
    report = await runLoad({
      ...options,
      ...(command.durationMs === undefined ? {} : { durationMs: command.durationMs }),
      onProgress: (progress) => view.update(progress),
    });
  } finally {
    view.stop();
  }
  const verdicts = checkLoadBounds(report, command.bounds);
  if (command.json) {
    process.stdout.write(
      `${JSON.stringify(verdicts.length > 0 ? { ...report, assertions: verdicts } : report)}\n`,
    );
  } else {
    process.stdout.write(formatLoadReport(report, verdicts));
  }
  return verdicts.every((v) => v.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`load: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
