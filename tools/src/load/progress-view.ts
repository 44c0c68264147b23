import { SingleBar } from 'cli-progress';
import { formatDurationMs } from '../cli/duration';
import type { LoadProgress } from './run-load';

/** Shows a run's progress: a live bar on a terminal, a plain line every `everyMs` otherwise. */
export interface ProgressView {
  update(progress: LoadProgress): void;
  stop(): void;
}

export function createProgressView(
  stream: NodeJS.WriteStream,
  options: { everyMs?: number } = {},
): ProgressView {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format:
        'load [{bar}] {percentage}% {ran}/{length} | {requests} requests | ok {ok} degraded {degraded} 429 {rateLimited} errors {errors}',
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      update(p) {
        const payload = {
          ran: formatDurationMs(Math.min(p.elapsedMs, p.durationMs)),
          length: formatDurationMs(p.durationMs),
          requests: p.requests,
          ok: p.ok,
          degraded: p.degraded,
          rateLimited: p.rateLimited,
          errors: p.errors,
        };
        if (!started) {
          bar.start(p.durationMs, 0, payload);
          started = true;
        }
        bar.update(Math.min(p.elapsedMs, p.durationMs), payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  const everyMs = options.everyMs ?? 5000;
  let next = everyMs;
  return {
    update(p) {
      if (p.elapsedMs < next) return;
      next = p.elapsedMs - (p.elapsedMs % everyMs) + everyMs;
      stream.write(
        `load: ${formatDurationMs(p.elapsedMs - (p.elapsedMs % 1000))}/${formatDurationMs(p.durationMs)} ` +
          `${p.requests} requests, ok ${p.ok} degraded ${p.degraded} 429 ${p.rateLimited} errors ${p.errors}\n`,
      );
    },
    stop: () => undefined,
  };
}
