import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** The engines built from the registries into the engine cache (see docs/native-backends.md). */
export type BuiltEngineName = 'otelcol' | 'jaeger' | 'opensearch';

/** Which key of the root `.env` pins each built engine's version. */
const VERSION_KEYS: Record<BuiltEngineName, string> = {
  otelcol: 'OTELCOL_VERSION',
  jaeger: 'JAEGER_VERSION',
  opensearch: 'OPENSEARCH_VERSION',
};

/** What a user types to build every engine, in every "not built" message. */
export const BUILD_HINT = 'npm run backends -- --build';

/** What a user types to install the Debian engines (Prometheus, promtool, Alertmanager). */
export const INSTALL_HINT = 'bash infra/ci/install-engines.sh';

/** A built engine in the cache, or where it would be. */
export interface BuiltEngine {
  name: BuiltEngineName;
  version: string;
  /** `<cache>/engines/<name>-<version>`. */
  dir: string;
  /** The executable named by the build's `.built` marker; undefined while not built. */
  executable: string | undefined;
}

/** An engine that cannot start because it is not built or not installed: one line, no stack. */
export class EngineMissingError extends Error {
  override readonly name = 'EngineMissingError';
}

export function isEngineMissingError(error: unknown): error is EngineMissingError {
  return error instanceof EngineMissingError;
}

/**
 * The versions of the root `.env` — the one place compose and the engine builds read them.
 * `repoRoot` is the repository holding `.env`.
 */
export function readVersions(repoRoot: string): Record<string, string> {
  const file = join(repoRoot, '.env');
  const parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string | undefined>;
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** `${OBSERVABLE_MESH_CACHE:-$HOME/.cache/observable-mesh}/engines`, as infra/engines/lib.sh. */
export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env['OBSERVABLE_MESH_CACHE'] || join(homedir(), '.cache', 'observable-mesh');
  return resolve(root, 'engines');
}

/**
 * Where the build of `name` lives and whether it is finished: the build scripts write the
 * executable's path as the first line of `<dir>/.built` once it is in place.
 */
export function locateEngine(
  name: BuiltEngineName,
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): BuiltEngine {
  const key = VERSION_KEYS[name];
  const version = readVersions(repoRoot)[key];
  if (!version) throw new Error(`${key} is not set in ${join(repoRoot, '.env')}`);
  const dir = join(engineCacheDir(env), `${name}-${version}`);
  const marker = join(dir, '.built');
  let executable: string | undefined;
  if (existsSync(marker)) {
    const named = readFileSync(marker, 'utf8').split('\n')[0]?.trim();
    if (named && isExecutable(named)) executable = named;
  }
  return { name, version, dir, executable };
}

/** The executable of a built engine, or an {@link EngineMissingError} saying how to build it. */
export function requireBuiltEngine(
  name: BuiltEngineName,
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const engine = locateEngine(name, repoRoot, env);
  if (engine.executable === undefined) throw new EngineMissingError(notBuiltMessage(engine));
  return engine.executable;
}

/** The one line printed for an engine that is not built. */
export function notBuiltMessage(engine: BuiltEngine): string {
  return `${engine.name} ${engine.version} not built yet (${engine.dir}): run \`${BUILD_HINT}\``;
}

/** Debian's engines, looked up where the packages install them. */
export const DEBIAN_ENGINES = {
  prometheus: 'prometheus',
  alertmanager: 'prometheus-alertmanager',
} as const;

/**
 * The path of an installed (Debian) engine — PATH first, then /usr/bin — or an
 * {@link EngineMissingError} saying how to install it.
 */
export function requireInstalledEngine(executable: string, env = process.env): string {
  const dirs = [...(env['PATH'] ?? '').split(':'), '/usr/bin', '/usr/local/bin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  throw new EngineMissingError(`${executable} is not installed: run \`${INSTALL_HINT}\``);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
