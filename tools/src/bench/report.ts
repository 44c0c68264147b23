import type { Sample } from './load';
import type { BenchResults, RuntimeResults } from './run-bench';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Medians of one configuration's rounds. */
export interface Summary {
  config: string;
  rounds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  degraded: number;
}

export function summarise(samples: readonly Sample[]): Map<string, Summary> {
  const by = new Map<string, Sample[]>();
  for (const s of samples) by.set(s.config, [...(by.get(s.config) ?? []), s]);
  const out = new Map<string, Summary>();
  for (const [config, list] of by) {
    out.set(config, {
      config,
      rounds: list.length,
      rps: median(list.map((s) => s.rps)),
      p50Ms: median(list.map((s) => s.p50Ms)),
      p99Ms: median(list.map((s) => s.p99Ms)),
      errors: list.reduce((n, s) => n + s.errors, 0),
      degraded: list.reduce((n, s) => n + s.degraded, 0),
    });
  }
  return out;
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
const ratio = (a: Summary | undefined, b: Summary | undefined): string =>
  a && b && b.rps > 0 ? (a.rps / b.rps).toFixed(2) : '–';

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function runtimeTables(r: RuntimeResults): string[] {
  const s = summarise(r.samples);
  const get = (name: string) => s.get(name);
  const cell = (x: Summary | undefined) =>
    x ? `${fmt(x.rps)} (p50 ${fmt(x.p50Ms, 1)} / p99 ${fmt(x.p99Ms, 1)} ms)` : '–';
  const out: string[] = [];
  if (get('3-hop export')) {
    out.push(
      `### Telemetry cost — ${r.nodeVersion} (req/s, median of rounds)`,
      '',
      table(
        ['read', 'off', 'on (100 %, OTLP export)', 'on / off', 'errors off / on'],
        (['3-hop', '2-hop', '1-hop'] as const).map((hop) => [
          {
            '3-hop': '`GET /api/orders/:id` via gateway (3 hops)',
            '2-hop': '`GET /orders/:id` on order-service (2 hops)',
            '1-hop': '`GET /users/:id` on user-service (1 hop)',
          }[hop],
          cell(get(`${hop} off`)),
          cell(get(`${hop} export`)),
          `**${ratio(get(`${hop} export`), get(`${hop} off`))}**`,
          `${get(`${hop} off`)?.errors ?? '–'} / ${get(`${hop} export`)?.errors ?? '–'}`,
        ]),
      ),
      '',
      `3-hop with telemetry local (npm start default: metrics, ids, nothing exported): ${cell(get('3-hop local'))}, ${ratio(get('3-hop local'), get('3-hop off'))}× off.`,
      '',
    );
  }
  if (get('3-hop naive')) {
    out.push(
      `### Resilience cost, "the limit" — ${r.nodeVersion}`,
      '',
      table(
        ['3-hop read', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
        [
          [
            'naive chain (Express 5 + undici + better-sqlite3)',
            fmt(get('3-hop naive')?.rps),
            fmt(get('3-hop naive')?.p50Ms, 1),
            fmt(get('3-hop naive')?.p99Ms, 1),
            String(get('3-hop naive')?.errors ?? '–'),
          ],
          [
            'mesh, telemetry off',
            fmt(get('3-hop off')?.rps),
            fmt(get('3-hop off')?.p50Ms, 1),
            fmt(get('3-hop off')?.p99Ms, 1),
            String(get('3-hop off')?.errors ?? '–'),
          ],
        ],
      ),
      '',
      `mesh / naive: **${ratio(get('3-hop off'), get('3-hop naive'))}**`,
      '',
    );
  }
  if (get('3-hop via nginx') || get('2-hop off')) {
    const straight = get('2-hop off');
    const gw = get('3-hop off');
    const ng = get('3-hop via nginx');
    const added = (x: Summary | undefined, key: 'p50Ms' | 'p99Ms') =>
      x && straight
        ? `${x[key] >= straight[key] ? '+' : ''}${fmt(x[key] - straight[key], 1)}`
        : '–';
    out.push(
      `### Gateway hop — ${r.nodeVersion} (same order-service, telemetry off)`,
      '',
      table(
        ['path', 'req/s', 'p50 ms', 'p99 ms', 'added p50 / p99 ms'],
        [
          [
            'order-service straight',
            fmt(straight?.rps),
            fmt(straight?.p50Ms, 1),
            fmt(straight?.p99Ms, 1),
            '',
          ],
          [
            'through the gateway',
            fmt(gw?.rps),
            fmt(gw?.p50Ms, 1),
            fmt(gw?.p99Ms, 1),
            `${added(gw, 'p50Ms')} / ${added(gw, 'p99Ms')}`,
          ],
          [
            'through nginx',
            fmt(ng?.rps),
            fmt(ng?.p50Ms, 1),
            fmt(ng?.p99Ms, 1),
            `${added(ng, 'p50Ms')} / ${added(ng, 'p99Ms')}`,
          ],
        ],
      ),
      '',
      `gateway / nginx throughput: **${ratio(gw, ng)}**`,
      '',
    );
  }
  if (r.footprints.length > 0) {
    out.push(
      `### Footprint after the run — ${r.nodeVersion}`,
      '',
      table(
        ['process', 'launch → ready ms', 'RSS MB', 'CPU s'],
        r.footprints.map((f) => [f.process, fmt(f.readyMs), fmt(f.rssMb, 1), fmt(f.cpuSeconds, 2)]),
      ),
      '',
      `Ejections seen (sum of /admin/status ejection counters of gateway and order-service): ${
        Object.entries(r.ejections)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none read'
      }`,
      '',
    );
  }
  for (const skip of r.skipped) out.push(`skipped: ${skip}`, '');
  return out;
}

/** The markdown the bench prints (docs/benchmarks.md shows a copy of a full run). */
export function formatReport(results: BenchResults): string {
  const m = results.machine;
  const st = results.settings;
  const out: string[] = [
    `## Bench ${results.startedAt}${st.quick ? ' — QUICK SMOKE RUN, figures not meaningful' : ''}`,
    '',
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}; load average before ${m.load.map((l) => l.toFixed(2)).join(' ')}; ` +
      `${st.rounds} round(s) × ${st.durationMs / 1000}s per configuration after ${st.warmupMs / 1000}s warm-up, ${st.connections} connections, autocannon, rate limiting off.`,
    '',
  ];
  for (const r of results.runtimes) out.push(...runtimeTables(r));
  if (results.runtimes.length > 1) {
    const rows = results.runtimes.map((r) => {
      const s = summarise(r.samples);
      return [
        r.nodeVersion,
        fmt(s.get('3-hop off')?.rps),
        fmt(s.get('3-hop export')?.rps),
        ratio(s.get('3-hop export'), s.get('3-hop off')),
        ratio(s.get('3-hop off'), s.get('3-hop naive')),
        ratio(s.get('3-hop off'), s.get('3-hop via nginx')),
        fmt(
          Math.max(
            ...r.footprints.filter((f) => !/naive|nginx/.test(f.process)).map((f) => f.rssMb ?? 0),
          ),
          0,
        ),
      ];
    });
    out.push(
      '### Node versions side by side',
      '',
      table(
        [
          'Node',
          '3-hop off req/s',
          '3-hop on req/s',
          'on / off',
          'mesh / naive',
          'gateway / nginx',
          'max mesh RSS MB',
        ],
        rows,
      ),
      '',
    );
  }
  const res = results.resilience;
  if (res.samples.length > 0) {
    const s = summarise(res.samples);
    out.push(
      '### Fail-fast and failover (machine Node, telemetry off, via the gateway)',
      '',
      table(
        ['case', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'degraded'],
        [...s.values()].map((x) => [
          x.config,
          fmt(x.rps),
          fmt(x.p50Ms, 1),
          fmt(x.p99Ms, 1),
          String(x.errors),
          String(x.degraded),
        ]),
      ),
      '',
      `p99 breakers on / healthy: **${s.get('user hung, breakers on') && s.get('healthy') ? ((s.get('user hung, breakers on') as Summary).p99Ms / (s.get('healthy') as Summary).p99Ms).toFixed(2) : '–'}**; ejections: ${Object.entries(
        res.ejections,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      ...res.notes.map((n) => `- ${n}`),
      '',
    );
  }
  for (const skip of results.skipped) out.push(`skipped: ${skip}`, '');
  return `${out.join('\n')}\n`;
}
