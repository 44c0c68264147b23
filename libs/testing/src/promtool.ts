import { spawnSync } from 'node:child_process';

/** What `promtool check metrics` said about an exposition. */
export interface PromtoolVerdict {
  /** True when promtool exited 0: the text parsed and its linter found nothing. */
  ok: boolean;
  /** promtool's stdout and stderr, for the failure message. */
  output: string;
}

/**
 * Runs `promtool check metrics` (the Prometheus project's own parser and metric-name linter) on
 * a text exposition. Find the executable with `requireEngine('promtool')`.
 *
 * @param promtool path of the promtool executable
 * @param exposition the `/metrics` body
 */
export function promtoolCheckMetrics(promtool: string, exposition: string): PromtoolVerdict {
  const result = spawnSync(promtool, ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  if (result.error) return { ok: false, output: String(result.error) };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
