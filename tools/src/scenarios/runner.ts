import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient, discoverMesh } from '../mesh-admin';
import type { LookHere } from './look-here';
import { ScenarioAbort } from './scenario';
import type { CheckResult, Scenario, ScenarioContext, ScenarioOptions } from './scenario';

/** Everything a scenario run produced; `--json` prints it as one object. */
export interface ScenarioReport {
  scenario: string;
  verdict: 'PASS' | 'FAIL';
  /** Why it failed (the failed checks, an interruption, an error). */
  reason?: string;
  startedAt: string;
  durationMs: number;
  steps: { atMs: number; text: string }[];
  observations: { label: string; value: string | number | boolean }[];
  checks: CheckResult[];
  look: LookHere[];
  /** What was undone at the end (faults cleared, instances back, etcd started). */
  cleanup: { what: string; ok: boolean; detail?: string }[];
}

export interface RunHooks {
  /** Prints one line as the scenario goes (the CLI's stdout; nothing with `--json`). */
  print?: (line: string) => void;
  /** Aborting it interrupts the scenario (SIGINT); the clean-up still runs. */
  signal?: AbortSignal;
}

/** How long one clean-up step may take before the next is tried, ms. */
const CLEANUP_TIMEOUT_MS = 45_000;

/**
 * Runs one scenario against the mesh: discovers it from the gateway's status, runs the steps,
 * then undoes every registered change (last first) however the run ended, and decides the verdict.
 */
export async function runScenario(
  scenario: Scenario,
  options: ScenarioOptions,
  hooks: RunHooks = {},
): Promise<ScenarioReport> {
  const print = hooks.print ?? (() => undefined);
  const started = Date.now();
  const at = () => Date.now() - started;
  const stamp = () => `[${(at() / 1000).toFixed(1).padStart(5)}s]`;
  const report: ScenarioReport = {
    scenario: scenario.name,
    verdict: 'PASS',
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    steps: [],
    observations: [],
    checks: [],
    look: scenario.look(options.links),
    cleanup: [],
  };
  const undo: { what: string; run: () => Promise<void> }[] = [];
  const controller = new AbortController();
  const onAbort = () => controller.abort(new ScenarioAbort('interrupted (SIGINT)'));
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const admin = new AdminClient({ token: options.token });
  let failure: string | undefined;

  print(`scenario ${scenario.name}: ${scenario.summary}`);
  try {
    const mesh = await discoverMesh(admin, { target: options.target }).catch((error: unknown) => {
      throw new ScenarioAbort(
        `cannot read the gateway's /admin/status behind ${options.target}: ${(error as Error).message}`,
      );
    });
    const context: ScenarioContext = {
      options,
      admin,
      mesh,
      signal: controller.signal,
      rediscover: () => discoverMesh(admin, { target: options.target }),
      step(text) {
        controller.signal.throwIfAborted();
        report.steps.push({ atMs: at(), text });
        print(`${stamp()} ${text}`);
      },
      observe(label, value) {
        report.observations.push({ label, value });
        print(`         · ${label}: ${String(value)}`);
      },
      check(name, ok, detail) {
        // Figures cut short by an interruption prove nothing either way.
        controller.signal.throwIfAborted();
        report.checks.push({ name, ok, detail });
        print(`         ${ok ? '✓' : '✗'} ${name} — ${detail}`);
        return ok;
      },
      defer(what, run) {
        undo.push({ what, run });
      },
      async sleep(ms) {
        await sleep(ms, undefined, { signal: controller.signal });
      },
    };
    await scenario.run(context);
  } catch (error) {
    failure = controller.signal.aborted
      ? 'interrupted (SIGINT)'
      : error instanceof ScenarioAbort
        ? error.message
        : `error: ${error instanceof Error ? error.message : String(error)}`;
    print(`${stamp()} stopped: ${failure}`);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    if (undo.length > 0) print(`${stamp()} leaving the mesh as it was found:`);
    for (const step of undo.reverse()) {
      try {
        await Promise.race([
          step.run(),
          sleep(CLEANUP_TIMEOUT_MS, undefined, { ref: false }).then(() => {
            throw new Error(`not done within ${CLEANUP_TIMEOUT_MS / 1000}s`);
          }),
        ]);
        report.cleanup.push({ what: step.what, ok: true });
        print(`         ✓ ${step.what}`);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        report.cleanup.push({ what: step.what, ok: false, detail });
        print(`         ✗ ${step.what}: ${detail}`);
      }
    }
  }

  const failedChecks = report.checks.filter((check) => !check.ok);
  const failedCleanup = report.cleanup.filter((step) => !step.ok);
  const reasons = [
    ...(failure ? [failure] : []),
    ...failedChecks.map((check) => `${check.name} (${check.detail})`),
    ...failedCleanup.map((step) => `could not restore: ${step.what} (${step.detail ?? ''})`),
  ];
  if (reasons.length > 0) {
    report.verdict = 'FAIL';
    report.reason = reasons.join('; ');
  } else if (report.checks.length === 0) {
    report.verdict = 'FAIL';
    report.reason = 'no check was made';
  }
  report.durationMs = at();
  return report;
}

/** The end of the text output: where to look, then `PASS` or `FAIL: <reason>` as the last line. */
export function formatEnding(report: ScenarioReport): string[] {
  const lines = ['', 'where to look:'];
  for (const look of report.look) {
    lines.push(
      `  ${look.ui.padEnd(10)} ${look.what}`,
      `             ${look.why}`,
      `             ${look.url}`,
    );
  }
  lines.push('', `${report.scenario} took ${(report.durationMs / 1000).toFixed(1)}s`);
  lines.push(report.verdict === 'PASS' ? 'PASS' : `FAIL: ${report.reason ?? 'unknown'}`);
  return lines;
}
