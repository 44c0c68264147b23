import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where a test engine was found, or why it was not. */
export type EngineLookup = { found: true; path: string } | { found: false; reason: string };

/** Looks for an executable on PATH (and the given extra directories). */
export function findExecutable(name: string, extraDirs: readonly string[] = []): EngineLookup {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return { found: true, path: candidate };
  }
  return {
    found: false,
    reason: `${name} not found on PATH (install it with: bash infra/ci/install-engines.sh)`,
  };
}

/**
 * Decides what a test does when its engine is missing: on a laptop it skips with a loud message;
 * when `CI` is set it fails, so a missing engine can never turn a CI run green.
 */
export function requireEngine(name: string, extraDirs: readonly string[] = []): string | undefined {
  const lookup = findExecutable(name, extraDirs);
  if (lookup.found) return lookup.path;
  if (process.env['CI']) {
    throw new Error(`required test engine missing in CI: ${lookup.reason}`);
  }
  process.stderr.write(`\n*** SKIPPING tests that need ${name}: ${lookup.reason} ***\n\n`);
  return undefined;
}
