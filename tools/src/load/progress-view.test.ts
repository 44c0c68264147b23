import { describe, expect, it } from 'vitest';
import { createProgressView } from './progress-view';
import type { LoadProgress } from './run-load';

function progress(elapsedMs: number): LoadProgress {
  return {
    elapsedMs,
    durationMs: 30_000,
    requests: Math.floor(elapsedMs / 50),
    answers: Math.floor(elapsedMs / 50),
    ok: Math.floor(elapsedMs / 50),
    degraded: 0,
    rateLimited: 1,
    errors: 0,
  };
}

describe('the progress view off a terminal', () => {
  it('writes one plain line every 5 s of the run, no bar', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (text: string) => lines.push(text) };
    const view = createProgressView(stream as unknown as NodeJS.WriteStream);
    for (let ms = 1000; ms <= 12_000; ms += 1000) view.update(progress(ms + 7));
    view.stop();
    expect(lines).toEqual([
      'load: 5s/30s 100 requests, ok 100 degraded 0 429 1 errors 0\n',
      'load: 10s/30s 200 requests, ok 200 degraded 0 429 1 errors 0\n',
    ]);
  });
});
