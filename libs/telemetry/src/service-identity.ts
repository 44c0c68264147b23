import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseResourceAttributes } from './resource-attributes';

/** Who this process is: the values of the telemetry resource and of every log line. */
export interface ServiceIdentity {
  /** `service.name`: `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service:node`. */
  readonly name: string;
  /** `service.version`: from `OTEL_RESOURCE_ATTRIBUTES`, else the app's package.json, else `0.0.0`. */
  readonly version: string;
  /** `service.instance.id`: from `OTEL_RESOURCE_ATTRIBUTES`, else `<hostname>-<pid>-<random>`. */
  readonly instanceId: string;
  /** `deployment.environment.name`: from `OTEL_RESOURCE_ATTRIBUTES`, else `development`. */
  readonly environment: string;
}

/** Everything {@link resolveServiceIdentity} reads, so it can be computed for any process. */
export interface ServiceIdentitySources {
  /** Value of `OTEL_SERVICE_NAME`. */
  serviceName?: string | undefined;
  /** Value of `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: string | undefined;
  /** Version of the running app (see {@link findPackageVersion}); `0.0.0` when undefined. */
  packageVersion?: string | undefined;
  /** Host name used in a generated instance id. */
  hostname: string;
  /** Process id used in a generated instance id. */
  pid: number;
  /** Makes the generated instance id unique even when a pid is reused (e.g. in containers). */
  randomSuffix: () => string;
}

export const DEFAULT_SERVICE_NAME = 'unknown_service:node';
export const DEFAULT_SERVICE_VERSION = '0.0.0';
export const DEFAULT_ENVIRONMENT = 'development';

/** Computes a service identity from explicit sources; pure apart from calling `randomSuffix`. */
export function resolveServiceIdentity(sources: ServiceIdentitySources): ServiceIdentity {
  const attributes = parseResourceAttributes(sources.resourceAttributes);
  const nonEmpty = (value: string | undefined) => (value ? value : undefined);
  return Object.freeze({
    name:
      nonEmpty(sources.serviceName?.trim()) ??
      nonEmpty(attributes['service.name']) ??
      DEFAULT_SERVICE_NAME,
    version:
      nonEmpty(attributes['service.version']) ??
      nonEmpty(sources.packageVersion) ??
      DEFAULT_SERVICE_VERSION,
    instanceId:
      nonEmpty(attributes['service.instance.id']) ??
      `${sources.hostname}-${sources.pid}-${sources.randomSuffix()}`,
    environment:
      nonEmpty(attributes['deployment.environment.name']) ??
      // the name before semantic conventions 1.27, still common in deployment files
      nonEmpty(attributes['deployment.environment']) ??
      DEFAULT_ENVIRONMENT,
  });
}

/**
 * The `version` of the nearest package.json at or above `startPath`'s directory that has one,
 * e.g. `apps/gateway/package.json` for `apps/gateway/dist/main.js`.
 */
export function findPackageVersion(startPath: string): string | undefined {
  let dir = dirname(startPath);
  for (;;) {
    const version = readVersion(join(dir, 'package.json'));
    if (version) return version;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readVersion(file: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' && parsed.version ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The entry script of this process. While `--require` preloads run, `require.main` is not set
 * yet, so `process.argv[1]` comes first.
 */
function entryScript(): string | undefined {
  const script = process.argv[1] ?? require.main?.filename;
  if (!script) return undefined;
  try {
    return realpathSync(resolve(script));
  } catch {
    return resolve(script);
  }
}

let cached: ServiceIdentity | undefined;

/**
 * This process's identity, computed once from `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`
 * and the entry script's package.json. The telemetry resource uses these same values; it works
 * whether or not the SDK runs.
 */
export function serviceIdentity(): ServiceIdentity {
  if (!cached) {
    const entry = entryScript();
    cached = resolveServiceIdentity({
      serviceName: process.env['OTEL_SERVICE_NAME'],
      resourceAttributes: process.env['OTEL_RESOURCE_ATTRIBUTES'],
      packageVersion: entry ? findPackageVersion(entry) : undefined,
      hostname: hostname(),
      pid: process.pid,
      randomSuffix: () => randomBytes(3).toString('hex'),
    });
  }
  return cached;
}
