import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';

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

/** The engines infra/engines/ builds into the engine cache (docs/native-backends.md). */
export type BuiltEngineName = 'otelcol' | 'jaeger' | 'opensearch';

/** The root `.env` key pinning each built engine's version, and the executable it builds. */
const BUILT_ENGINES: Record<BuiltEngineName, { versionKey: string; executable: string }> = {
  otelcol: { versionKey: 'OTELCOL_VERSION', executable: 'otelcol-mesh' },
  jaeger: { versionKey: 'JAEGER_VERSION', executable: 'jaeger' },
  opensearch: { versionKey: 'OPENSEARCH_VERSION', executable: 'opensearch' },
};

/** `${OBSERVABLE_MESH_CACHE:-$HOME/.cache/observable-mesh}/engines`, as infra/engines/lib.sh. */
export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env['OBSERVABLE_MESH_CACHE'] || join(homedir(), '.cache', 'observable-mesh');
  return resolve(root, 'engines');
}

/** The repository root: the nearest directory above this file holding `.env` and `nx.json`. */
function repoRoot(): string {
  let dir = __dirname;
  while (!(existsSync(join(dir, '.env')) && existsSync(join(dir, 'nx.json')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (.env + nx.json) above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** `<cache>/engines/<name>-<version>`, the version read from the root `.env`. */
export function builtEngineDir(name: BuiltEngineName, root: string = repoRoot()): string {
  const { versionKey } = BUILT_ENGINES[name];
  const env = parseEnv(readFileSync(join(root, '.env'), 'utf8')) as Record<
    string,
    string | undefined
  >;
  const version = env[versionKey];
  if (!version) throw new Error(`${versionKey} is not set in ${join(root, '.env')}`);
  return join(engineCacheDir(), `${name}-${version}`);
}

/**
 * The executable of an engine built by infra/engines/ — the one its `.built` marker names, else
 * `<dir>/bin/<executable>` — gated like {@link requireEngine}: a loud skip (undefined) on a laptop,
 * an error when `CI` is set.
 */
export function requireBuiltEngine(
  name: BuiltEngineName,
  root: string = repoRoot(),
): string | undefined {
  const dir = builtEngineDir(name, root);
  const marker = join(dir, '.built');
  if (existsSync(marker)) {
    const named = readFileSync(marker, 'utf8').split('\n')[0]?.trim();
    if (named && existsSync(named)) return named;
  }
  const fallback = join(dir, 'bin', BUILT_ENGINES[name].executable);
  if (existsSync(fallback)) return fallback;
  // Never an engine of the same name on PATH: the tests need exactly the build of the pinned version.
  const reason = `${name} is not built in ${dir} (build it with: bash infra/engines/build-all.sh)`;
  if (process.env['CI']) throw new Error(`required test engine missing in CI: ${reason}`);
  process.stderr.write(`\n*** SKIPPING tests that need ${name}: ${reason} ***\n\n`);
  return undefined;
}
