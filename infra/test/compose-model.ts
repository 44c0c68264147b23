import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';

// docker-compose.yml as `docker compose config` would see it — YAML merge keys resolved, `${…}`
// interpolated from the root .env alone (not the caller's shell, so the checks are repeatable) —
// for compose.test.ts and stack-wiring.test.ts. docs/stack.md explains the stack.

export const repoRoot = resolve(__dirname, '..', '..');
export const composeFile = join(repoRoot, 'docker-compose.yml');
export const envFile = join(repoRoot, '.env');

export interface ComposeHealthcheck {
  test?: string | string[];
  disable?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type: string; source?: string; target: string })[];
  healthcheck?: ComposeHealthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  deploy?: { replicas?: number; resources?: { limits?: { memory?: string } } };
  mem_limit?: string | number;
  restart?: string;
  labels?: Record<string, string> | string[];
  network_mode?: string;
  [key: string]: unknown;
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The root .env, parsed as compose reads it. */
export function readDotEnv(file = envFile): Record<string, string> {
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

export interface Interpolation {
  value: string;
  /** Variables used without a default that `env` does not define: compose would warn and use "". */
  missing: string[];
}

/**
 * Compose's variable interpolation: `$$` is a literal `$`; `${VAR}`, `${VAR:-default}` (default when
 * unset or empty), `${VAR-default}` (when unset), `${VAR:?message}` / `${VAR?message}` (required),
 * `${VAR:+alt}` / `${VAR+alt}`, and bare `$VAR`.
 */
export function interpolate(text: string, env: Record<string, string>): Interpolation {
  const missing: string[] = [];
  const pattern =
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  const value = text.replace(
    pattern,
    (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const set = Object.hasOwn(env, name);
      const current = env[name] ?? '';
      switch (op) {
        case ':-':
          return current === '' ? (arg ?? '') : current;
        case '-':
          return set ? current : (arg ?? '');
        case ':+':
          return current === '' ? '' : (arg ?? '');
        case '+':
          return set ? (arg ?? '') : '';
        case ':?':
        case '?':
          if (op === ':?' ? current === '' : !set) missing.push(name);
          return current;
        default:
          if (!set) missing.push(name);
          return current;
      }
    },
  );
  return { value, missing };
}

/** Every string in `node`, interpolated; the variables that were missing are collected. */
function interpolateTree(
  node: unknown,
  env: Record<string, string>,
  missing: Set<string>,
): unknown {
  if (typeof node === 'string') {
    const result = interpolate(node, env);
    for (const name of result.missing) missing.add(name);
    return result.value;
  }
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env, missing));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, interpolateTree(value, env, missing)]),
    );
  }
  return node;
}

export interface LoadedCompose {
  /** As written (merge keys resolved), before interpolation. */
  raw: ComposeModel;
  /** After interpolation from .env. */
  model: ComposeModel;
  /** Variables the file uses without a default that .env does not set. */
  missingVariables: string[];
}

export function loadCompose(
  text = readFileSync(composeFile, 'utf8'),
  env = readDotEnv(),
): LoadedCompose {
  // merge: compose resolves YAML merge keys (`<<: *mesh-app`) before anything else.
  const raw = parse(text, { merge: true }) as ComposeModel;
  const missing = new Set<string>();
  const model = interpolateTree(raw, env, missing) as ComposeModel;
  return { raw, model, missingVariables: [...missing].sort() };
}

/** A service's environment as a map (compose accepts a map or a `KEY=value` list). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at === -1 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

/** A Docker byte size (`64m`, `1g`, `512MB`, a plain number of bytes) in bytes; binary units. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(size.trim());
  if (match === null) throw new Error(`not a byte size: ${size}`);
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    (match[2] ?? 'b').toLowerCase() as 'b' | 'k' | 'm' | 'g'
  ];
  return Math.round(Number(match[1]) * factor);
}

/** The memory limit a service declares, in bytes, or undefined. */
export function memoryLimitOf(service: ComposeService): number | undefined {
  const declared = service.mem_limit ?? service.deploy?.resources?.limits?.memory;
  return declared === undefined ? undefined : parseByteSize(declared);
}

export function replicasOf(service: ComposeService): number {
  return service.deploy?.replicas ?? 1;
}

export interface BindMount {
  source: string;
  target: string;
}

/** The host paths a service bind-mounts (short `src:dst[:mode]` or long `type: bind` syntax). */
export function bindMountsOf(service: ComposeService, volumeNames: readonly string[]): BindMount[] {
  const mounts: BindMount[] = [];
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':');
      if (source === undefined || target === undefined) continue;
      if (volumeNames.includes(source)) continue;
      mounts.push({ source, target });
    } else if (volume.type === 'bind' && volume.source !== undefined) {
      mounts.push({ source: volume.source, target: volume.target });
    }
  }
  return mounts;
}

export interface PublishedPort {
  host: number;
  container: number;
}

/** Ports published on the host. */
export function publishedPortsOf(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { host: Number(port.published ?? port.target), container: Number(port.target) };
    }
    // [ip:]host:container[/proto], or a bare container port (published on a random host port).
    const parts = String(port)
      .replace(/\/\w+$/, '')
      .split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : Number.NaN;
    return { host, container };
  });
}

/** `depends_on` as a map, whichever syntax is used (the short list has no conditions). */
export function dependenciesOf(service: ComposeService): Record<string, { condition?: string }> {
  const deps = service.depends_on;
  if (deps === undefined) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, {}]));
  return deps;
}
