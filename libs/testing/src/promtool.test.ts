import { describe, expect, it } from 'vitest';
import { requireEngine } from './engine';
import { promtoolCheckMetrics } from './promtool';

const promtool = requireEngine('promtool');

describe.skipIf(!promtool)('promtoolCheckMetrics', () => {
  it('accepts a well-formed, well-named exposition', () => {
    const verdict = promtoolCheckMetrics(
      promtool as string,
      '# HELP jobs_done_total Jobs done.\n# TYPE jobs_done_total counter\njobs_done_total 3\n',
    );
    expect(verdict).toEqual({ ok: true, output: '' });
  });

  it('reports a counter without the _total suffix and text that does not parse', () => {
    const lint = promtoolCheckMetrics(
      promtool as string,
      '# HELP jobs_done Jobs done.\n# TYPE jobs_done counter\njobs_done 3\n',
    );
    expect(lint.ok).toBe(false);
    expect(lint.output).toContain('_total');
    expect(promtoolCheckMetrics(promtool as string, 'jobs{ 3\n').ok).toBe(false);
  });
});

describe('promtoolCheckMetrics without the executable', () => {
  it('says not ok with the reason instead of throwing', () => {
    const verdict = promtoolCheckMetrics('/nonexistent/promtool', 'x 1\n');
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('ENOENT');
  });
});
