/** How one answer counts: exactly one of these. */
export type AnswerKind = 'ok' | 'degraded' | 'rateLimited' | 'clientError' | 'serverError';

/**
 * Sorts an answer: a 5xx is a server error and a 429 rate-limited whatever their headers; any
 * other 4xx a client error; a success carrying `X-Degraded` (a fallback answered for a failed
 * upstream, docs/resilience.md) is degraded, counted apart from plain successes.
 */
export function classifyAnswer(status: number, degradedHeader: boolean): AnswerKind {
  if (status >= 500) return 'serverError';
  if (status === 429) return 'rateLimited';
  if (status >= 400) return 'clientError';
  return degradedHeader ? 'degraded' : 'ok';
}

/** The counts of one route (or of all of them). */
export interface AnswerCounts {
  /** Answers received. */
  answers: number;
  /** Answers by HTTP status, e.g. `{ "200": 10, "429": 2 }`. */
  statusCodes: Record<string, number>;
  ok: number;
  degraded: number;
  rateLimited: number;
  clientErrors: number;
  serverErrors: number;
}

function emptyCounts(): AnswerCounts {
  return {
    answers: 0,
    statusCodes: {},
    ok: 0,
    degraded: 0,
    rateLimited: 0,
    clientErrors: 0,
    serverErrors: 0,
  };
}

const FIELD: Record<AnswerKind, keyof Omit<AnswerCounts, 'answers' | 'statusCodes'>> = {
  ok: 'ok',
  degraded: 'degraded',
  rateLimited: 'rateLimited',
  clientError: 'clientErrors',
  serverError: 'serverErrors',
};

/** Counts the answers of a run, in total and per route (`POST /api/orders`, …). */
export class ResponseTally {
  readonly total: AnswerCounts = emptyCounts();
  readonly #routes = new Map<string, AnswerCounts>();

  record(route: string, status: number, degradedHeader: boolean): AnswerKind {
    const kind = classifyAnswer(status, degradedHeader);
    let counts = this.#routes.get(route);
    if (!counts) {
      counts = emptyCounts();
      this.#routes.set(route, counts);
    }
    for (const c of [this.total, counts]) {
      c.answers++;
      c.statusCodes[status] = (c.statusCodes[status] ?? 0) + 1;
      c[FIELD[kind]]++;
    }
    return kind;
  }

  /** Per route, sorted by route. */
  routes(): Record<string, AnswerCounts> {
    return Object.fromEntries([...this.#routes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** Whether a response's headers (any case, as autocannon hands them over) carry `X-Degraded`. */
export function hasDegradedHeader(headers: Record<string, unknown> | undefined): boolean {
  if (!headers) return false;
  return Object.keys(headers).some((name) => name.toLowerCase() === 'x-degraded');
}
