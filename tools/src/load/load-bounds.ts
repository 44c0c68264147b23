import { formatDurationMs, parseDurationMs } from '../cli/duration';
import { UsageError } from '../cli/usage-error';
import type { LoadReport } from './run-load';

const LATENCIES = ['p50', 'p90', 'p99', 'max', 'mean'] as const;
const COUNTS = [
  'requests',
  'ok',
  'degraded',
  'rateLimited',
  'clientErrors',
  'errors',
  'noAnswer',
  'timeouts',
] as const;
const OPERATORS = ['<=', '>=', '<', '>', '='] as const;

type Operator = (typeof OPERATORS)[number];
type Metric =
  | { kind: 'latency'; name: (typeof LATENCIES)[number] }
  | { kind: 'count'; name: (typeof COUNTS)[number] }
  | { kind: 'rate' };

/** One bound of `--assert`, e.g. `p99<300ms`, `errors=0`, `degraded<5%`, `rate>=18`. */
export interface LoadBound {
  /** As written. */
  text: string;
  metric: Metric;
  operator: Operator;
  /** ms for a latency, req/s for `rate`, a count, or a share of `requests` (0..1) when `percent`. */
  value: number;
  percent: boolean;
}

/** A bound checked against a report. */
export interface BoundVerdict {
  bound: string;
  ok: boolean;
  /** The figure it was checked against, as shown, e.g. `212ms`, `3 (0.5%)`. */
  actual: string;
}

const HELP =
  `a bound is <figure><op><value>: figures ${LATENCIES.join(', ')} (a duration like 300ms), ` +
  `${COUNTS.join(', ')} (a count, or a share of requests like 5%), rate (req/s); ops ${OPERATORS.join(' ')}`;

/**
 * Parses `--assert 'p99<300ms,errors=0,degraded<5%'`. Throws a {@link UsageError} naming the bad
 * bound and what a bound looks like.
 */
export function parseLoadBounds(spec: string): LoadBound[] {
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) {
    throw new UsageError(`--assert: empty bound in "${spec}"; ${HELP}`);
  }
  return parts.map((text) => {
    const match = /^([A-Za-z][A-Za-z0-9]*)\s*(<=|>=|<|>|=)\s*(\S+)$/.exec(text);
    if (!match) throw new UsageError(`--assert: cannot read "${text}"; ${HELP}`);
    const [, name, operator, raw] = match as unknown as [string, string, Operator, string];
    if ((LATENCIES as readonly string[]).includes(name)) {
      const ms = parseDurationMs(raw);
      if (ms === undefined) {
        throw new UsageError(`--assert: "${text}": ${name} takes a duration like 300ms or 1s`);
      }
      return {
        text,
        metric: { kind: 'latency', name: name as (typeof LATENCIES)[number] },
        operator,
        value: ms,
        percent: false,
      };
    }
    if (name === 'rate') {
      const value = Number(raw);
      if (!/^\d+(\.\d+)?$/.test(raw)) {
        throw new UsageError(`--assert: "${text}": rate takes requests per second, e.g. rate>=18`);
      }
      return { text, metric: { kind: 'rate' }, operator, value, percent: false };
    }
    if ((COUNTS as readonly string[]).includes(name)) {
      const percent = /^(\d+(\.\d+)?)%$/.exec(raw);
      if (percent) {
        const share = Number(percent[1]) / 100;
        if (share > 1) throw new UsageError(`--assert: "${text}": a share is 0% to 100%`);
        return {
          text,
          metric: { kind: 'count', name: name as (typeof COUNTS)[number] },
          operator,
          value: share,
          percent: true,
        };
      }
      if (!/^\d+$/.test(raw)) {
        throw new UsageError(`--assert: "${text}": ${name} takes a count or a share like 5%`);
      }
      return {
        text,
        metric: { kind: 'count', name: name as (typeof COUNTS)[number] },
        operator,
        value: Number(raw),
        percent: false,
      };
    }
    throw new UsageError(`--assert: "${text}": unknown figure "${name}"; ${HELP}`);
  });
}

function holds(actual: number, operator: Operator, bound: number): boolean {
  switch (operator) {
    case '<':
      return actual < bound;
    case '<=':
      return actual <= bound;
    case '>':
      return actual > bound;
    case '>=':
      return actual >= bound;
    case '=':
      return actual === bound;
  }
}

/** Checks each bound against the report. */
export function checkLoadBounds(report: LoadReport, bounds: readonly LoadBound[]): BoundVerdict[] {
  return bounds.map((bound) => {
    const { metric } = bound;
    if (metric.kind === 'latency') {
      const ms = report.latencyMs[metric.name];
      return {
        bound: bound.text,
        ok: holds(ms, bound.operator, bound.value),
        actual: formatDurationMs(ms),
      };
    }
    if (metric.kind === 'rate') {
      return {
        bound: bound.text,
        ok: holds(report.achievedRate, bound.operator, bound.value),
        actual: `${report.achievedRate} req/s`,
      };
    }
    const count = report[metric.name];
    const share = report.requests === 0 ? 0 : count / report.requests;
    return {
      bound: bound.text,
      ok: holds(bound.percent ? share : count, bound.operator, bound.value),
      actual: `${count} (${(share * 100).toFixed(1)}% of ${report.requests})`,
    };
  });
}
