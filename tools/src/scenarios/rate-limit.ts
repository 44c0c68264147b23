import { setTimeout as sleep } from 'node:timers/promises';
import { PANELS, grafanaPanel, jaegerSearch, kibanaDiscover, prometheusGraph } from './look-here';
import { call, metricSum, seedOrder, waitUntil } from './mesh-probe';
import type { Scenario, ScenarioContext } from './scenario';
import { startTraffic } from './traffic';

/** How far the measured share of 429s may be from the policy's, in percentage points. */
const TOLERANCE_POINTS = 5;
/** The spike lasts this long at least, and goes on (to at most MAX_SPIKE_MS) until MIN_REFUSED 429s were seen. */
const SPIKE_MS = 3000;
const MAX_SPIKE_MS = 12_000;
const MIN_REFUSED = 100;

interface GatewayRateLimit {
  policy: 'token-bucket' | 'leaky-bucket' | 'off';
  ratePerSecond: number;
  burst: number;
  queueSize: number;
}

/** `"token-bucket";q=200;w=2` → name and parameters (IETF httpapi rate-limit headers draft). */
export function parseRateLimitHeader(
  value: string | undefined,
): { name: string; params: Record<string, number> } | undefined {
  if (value === undefined) return undefined;
  const match = /^"([^"]+)"((?:;[a-z]+=\d+)*)$/.exec(value.trim());
  if (!match) return undefined;
  const params: Record<string, number> = {};
  for (const part of (match[2] ?? '').split(';').filter(Boolean)) {
    const [key, number] = part.split('=');
    params[key as string] = Number(number);
  }
  return { name: match[1] as string, params };
}

/** What the policy says of a header pair, or what is wrong with it. */
function headerProblems(
  limit: GatewayRateLimit,
  headers: Readonly<Record<string, string | undefined>>,
  status: number,
): string[] {
  const policy = parseRateLimitHeader(headers['ratelimit-policy']);
  const current = parseRateLimitHeader(headers['ratelimit']);
  const problems: string[] = [];
  if (!policy)
    problems.push(
      `RateLimit-Policy missing or unreadable (${headers['ratelimit-policy'] ?? 'absent'})`,
    );
  if (!current)
    problems.push(`RateLimit missing or unreadable (${headers['ratelimit'] ?? 'absent'})`);
  if (policy && current && policy.name !== current.name) {
    problems.push(`RateLimit names "${current.name}", RateLimit-Policy "${policy.name}"`);
  }
  if (policy) {
    const [q, w] =
      limit.policy === 'token-bucket'
        ? [limit.burst, Math.ceil(limit.burst / limit.ratePerSecond)]
        : [limit.ratePerSecond, 1];
    if (policy.params['q'] !== q || policy.params['w'] !== w) {
      problems.push(
        `RateLimit-Policy q=${policy.params['q']};w=${policy.params['w']}, the gateway's status says q=${q};w=${w}`,
      );
    }
    if (
      current &&
      (current.params['r'] ?? -1) >
        (policy.params['q'] ?? 0) + (limit.policy === 'leaky-bucket' ? limit.queueSize : 0)
    ) {
      problems.push(`RateLimit r=${current.params['r']} above the quota`);
    }
  }
  if (status === 429) {
    const retryAfter = headers['retry-after'];
    if (retryAfter === undefined || !/^\d+$/.test(retryAfter) || Number(retryAfter) < 1) {
      problems.push(`429 with Retry-After ${retryAfter ?? 'absent'} (want whole seconds ≥ 1)`);
    }
    if (current && current.params['r'] !== 0)
      problems.push(`429 with RateLimit r=${current.params['r']} (want 0)`);
  }
  return problems;
}

/**
 * A spike well above the gateway's rate limit: the share of 429s matches what the policy allows
 * (the burst plus the refill over the spike), and every answer carries consistent
 * `RateLimit` / `RateLimit-Policy` headers, every 429 a `Retry-After`.
 */
export const rateLimit: Scenario = {
  name: 'rate-limit',
  summary:
    "a spike above the gateway's limit: the share of 429s matches the policy; the rate-limit headers agree",
  look: (links) => [
    grafanaPanel(
      links.grafana,
      PANELS.rateLimitDecisions,
      'allowed stays at the limit while rejected takes the rest of the spike',
      { service: 'gateway' },
    ),
    grafanaPanel(
      links.grafana,
      PANELS.answersByStatus,
      'the 429s next to the 200s, at the gateway only',
      { service: 'gateway' },
    ),
    prometheusGraph(
      links.prometheus,
      'sum by (mesh_outcome) (rate(mesh_rate_limit_decisions_total{job="gateway"}[1m]))',
      'the same decisions without Grafana (npm run backends)',
    ),
    jaegerSearch(
      links.jaeger,
      'gateway',
      { 'http.response.status_code': '429' },
      'a refused request is one short gateway span: no upstream was called',
    ),
    kibanaDiscover(
      links.kibana,
      'service.name : "gateway" and http.response.status_code : 429',
      'the access-log line of each refused request',
    ),
  ],
  async run(context) {
    const limit = context.mesh.gatewayStatus['rateLimit'] as GatewayRateLimit | undefined;
    if (!limit) throw new Error("the gateway's /admin/status has no rateLimit section");
    context.observe(
      'gateway rate limit (its /admin/status)',
      limit.policy === 'off'
        ? 'policy off'
        : `${limit.policy}: ${limit.ratePerSecond}/s, burst ${limit.burst}, queue ${limit.queueSize}`,
    );
    context.step('seeding: one user to read');
    const { userId } = await seedOrder(context);
    const path = `/api/users/${userId}`;

    context.step(`one read: the rate-limit headers of a plain answer`);
    const probe = await call(context, 'GET', path);
    context.observe(
      'headers',
      `RateLimit-Policy: ${probe.headers['ratelimit-policy'] ?? '(none)'}; RateLimit: ${probe.headers['ratelimit'] ?? '(none)'}`,
    );
    const probeProblems =
      limit.policy === 'off'
        ? ['no rate limiting: policy off']
        : headerProblems(limit, probe.headers, probe.status);
    context.check(
      'RateLimit and RateLimit-Policy present and consistent',
      probeProblems.length === 0,
      probeProblems.length === 0
        ? 'both present, same policy name, quota and window as the status says'
        : probeProblems.join('; '),
    );

    const refillMs =
      limit.policy === 'token-bucket'
        ? Math.ceil((limit.burst / limit.ratePerSecond) * 1000)
        : 1000;
    await waitForFullBucket(context, refillMs);
    const connections = limit.policy === 'leaky-bucket' ? Math.min(400, limit.queueSize + 50) : 50;
    context.step(
      `spike: ${connections} connections as fast as answers come, ${SPIKE_MS / 1000}s or more (until ${MIN_REFUSED} 429s, at most ${MAX_SPIKE_MS / 1000}s)`,
    );
    const rejected = () =>
      metricSum(context, [context.mesh.gateway], 'mesh_rate_limit_decisions_total', {
        mesh_outcome: 'rejected',
      });
    const rejectedBefore = await rejected();
    let checked = 0;
    const problems = new Map<string, number>();
    let refused = 0;
    const running = startTraffic({
      target: context.options.target,
      signal: context.signal,
      requests: [{ method: 'GET', path }],
      connections,
      onResponse: (response) => {
        if (response.status === 429) refused++;
        if (limit.policy === 'off' || response.status === 0) return;
        checked++;
        for (const problem of headerProblems(limit, response.headers, response.status)) {
          problems.set(problem, (problems.get(problem) ?? 0) + 1);
        }
      },
    });
    context.defer('spike stopped', async () => {
      await running.stop();
    });
    // A busy machine may answer slower than the limit refills at first: go on until it bites.
    await context.sleep(SPIKE_MS);
    await waitUntil(context, async () => refused >= MIN_REFUSED, MAX_SPIKE_MS - SPIKE_MS, 100);
    const spike = await running.stop();
    context.defer(`the client's bucket refilled (${refillMs}ms)`, () => sleep(refillMs));
    const rejectedByGateway = (await rejected()) - rejectedBefore;
    const seconds = spike.durationMs / 1000;
    const capacity = limit.policy === 'token-bucket' ? limit.burst : limit.queueSize;
    const allowedByPolicy = Math.min(spike.requests, capacity + limit.ratePerSecond * seconds);
    const expectedShare = limit.policy === 'off' ? 0 : 1 - allowedByPolicy / spike.requests;
    const share = spike.rateLimited / Math.max(1, spike.requests);
    context.observe(
      'spike (client)',
      `${spike.requests} requests in ${seconds.toFixed(1)}s (${spike.rate}/s): ${spike.rateLimited} × 429, ${spike.ok} × 200, ${spike.errors} errors ${JSON.stringify(spike.statusCodes)}`,
    );
    context.observe(
      'policy allows',
      `${capacity} at once + ${limit.ratePerSecond}/s × ${seconds.toFixed(1)}s = ${Math.round(allowedByPolicy)} → ${(expectedShare * 100).toFixed(1)}% refused`,
    );
    context.observe('gateway rejections (mesh_rate_limit_decisions_total)', rejectedByGateway);

    context.check(
      'the spike is well above the limit',
      spike.rate >= 1.5 * limit.ratePerSecond,
      `${spike.rate}/s offered against ${limit.ratePerSecond}/s`,
    );
    context.check(
      'the share of 429s matches the policy',
      spike.rateLimited > 0 && Math.abs(share - expectedShare) * 100 <= TOLERANCE_POINTS,
      limit.policy === 'off'
        ? `${spike.rateLimited} of ${spike.requests} refused: the gateway does not limit (policy off)`
        : `${(share * 100).toFixed(1)}% refused, the policy says ${(expectedShare * 100).toFixed(1)}% (tolerance ±${TOLERANCE_POINTS} points)`,
    );
    context.check(
      "the gateway's own count agrees",
      // The answers of the requests in flight when the spike stops are not counted by the client.
      Math.abs(rejectedByGateway - spike.rateLimited) <= connections + spike.rateLimited * 0.02,
      `${rejectedByGateway} rejections counted by the gateway, ${spike.rateLimited} 429s seen by the client (±${connections} in flight at the stop, +2%)`,
    );
    const listed = [...problems].map(([problem, n]) => `${n}× ${problem}`);
    context.check(
      'every answer of the spike carries consistent headers',
      limit.policy !== 'off' && listed.length === 0 && checked === spike.requests - spike.noAnswer,
      listed.length === 0 ? `${checked} answers checked` : listed.slice(0, 4).join('; '),
    );
  },
};

async function waitForFullBucket(context: ScenarioContext, refillMs: number): Promise<void> {
  context.step(`waiting ${(refillMs / 1000).toFixed(1)}s for the client's bucket to be full`);
  await context.sleep(refillMs + 300);
}
