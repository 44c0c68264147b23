import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(__dirname, '..', '..');

/** The README and every page under docs/: what a reader follows links in. */
function markdownPages(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(repoRoot, 'docs', name));
  return [join(repoRoot, 'README.md'), ...docs];
}

/** Relative link targets of a page: `[text](path)` and `[text](path#anchor)`, web links left out. */
function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const match of markdown.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const target = match[1] ?? '';
    if (!/^[a-z]+:/i.test(target)) targets.push(target);
  }
  return targets;
}

describe('documentation links', () => {
  it('finds relative links and leaves web links and anchors out', () => {
    expect(
      relativeLinks('[a](docs/x.md) [b](https://example.com) [c](../y.ts#L3) [d](#top)'),
    ).toEqual(['docs/x.md', '../y.ts']);
  });

  it.each(markdownPages().map((page) => [relative(repoRoot, page), page]))(
    'every relative link of %s points at a file or folder of the repository',
    (_name, page) => {
      const missing = relativeLinks(readFileSync(page, 'utf8')).filter(
        (target) => !existsSync(resolve(dirname(page), target)),
      );
      expect(missing).toEqual([]);
    },
  );
});
