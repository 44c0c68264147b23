import { formatDurationMs } from '../cli/duration';
import type { BoundVerdict } from './load-bounds';
import type { LoadReport } from './run-load';

function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function share(count: number, of: number): string {
  return of === 0 ? '' : ` (${((count / of) * 100).toFixed(1)}%)`;
}

/** The final table of `npm run load`. */
export function formatLoadReport(
  report: LoadReport,
  verdicts: readonly BoundVerdict[] = [],
): string {
  const r = report;
  const ms = formatDurationMs;
  const codes = Object.entries(r.statusCodes)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ');
  const width = String(r.requests).length;
  const count = (label: string, n: number, note = '') =>
    `${label.padEnd(14)} ${String(n).padStart(width)}${share(n, r.requests).padEnd(9)}${note ? ` ${note}` : ''}`.trimEnd();
  const lines = [
    '',
    `load: profile ${r.profile} against ${r.target}, ${r.connections} connections, ` +
      `${r.requestedRate} req/s asked, ran ${ms(r.durationMs)}`,
    '',
    `${'requests'.padEnd(14)} ${r.requests} (${r.seedRequests} seeding the mix)`,
    `${'achieved rate'.padEnd(14)} ${r.achievedRate} req/s`,
    `${'latency'.padEnd(14)} p50 ${ms(r.latencyMs.p50)}  p90 ${ms(r.latencyMs.p90)}  ` +
      `p99 ${ms(r.latencyMs.p99)}  max ${ms(r.latencyMs.max)}`,
    count('ok', r.ok, 'answers without X-Degraded'),
    count('degraded', r.degraded, 'answers with X-Degraded (a fallback stood in)'),
    count('429', r.rateLimited, 'rate-limited'),
    count('other 4xx', r.clientErrors),
    count(
      'errors',
      r.errors,
      `5xx ${r.errors - r.noAnswer}, no answer ${r.noAnswer} (${r.timeouts} timeouts)`,
    ),
    count('unfinished', r.unfinished, 'in flight when the run stopped'),
    `status codes: ${codes || 'none'}`,
    '',
    ...table([
      ['route', 'answers', 'ok', 'degraded', '429', '4xx', '5xx'],
      ...Object.entries(r.routes).map(([route, c]) => [
        route,
        `${c.answers}`,
        `${c.ok}`,
        `${c.degraded}`,
        `${c.rateLimited}`,
        `${c.clientErrors}`,
        `${c.serverErrors}`,
      ]),
    ]),
  ];
  if (verdicts.length > 0) {
    lines.push('');
    for (const v of verdicts)
      lines.push(`${v.ok ? 'ok    ' : 'MISSED'}  ${v.bound}  got ${v.actual}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line for a round of `--duration forever`, and the plain progress lines off a TTY. */
export function formatLoadLine(report: LoadReport): string {
  return (
    `load: ${formatDurationMs(report.durationMs)} ${report.requests} requests ` +
    `${report.achievedRate} req/s p50 ${report.latencyMs.p50}ms p99 ${report.latencyMs.p99}ms ` +
    `ok ${report.ok} degraded ${report.degraded} 429 ${report.rateLimited} errors ${report.errors}`
  );
}
