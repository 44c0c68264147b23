import { z } from 'zod';

/** Thrown when the environment does not describe a valid configuration; lists every bad key. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/**
 * Parses the environment once with `schema` (keyed by env var names) and returns a frozen result.
 * Every problem is reported at once, each naming its variable.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.map(String).join('.') || '(environment)';
        const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
        const shown = value === undefined ? 'unset' : JSON.stringify(value);
        return `${key}: ${issue.message} (got ${shown})`;
      }),
    );
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Parses the configuration and builds the service's config object from it, or prints every
 * problem to stderr and exits with code 78 (EX_CONFIG: the launcher does not restart a process
 * that exits with it). `build` may throw a {@link ConfigError} for problems that span keys.
 */
export function loadConfigOrExit<S extends z.ZodType, C>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  build: (parsed: Readonly<z.infer<S>>) => C,
): C {
  try {
    return build(parseConfig(schema, env));
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

export const EXIT_CONFIG = 78;

/** Env var schemas shared by the services. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  number: (fallback: number, min = 0, max = Number.MAX_VALUE) =>
    z.coerce.number().min(min).max(max).default(fallback),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  url: () => z.url({ protocol: /^https?$/ }),
  /** A comma-separated list of http(s) URLs. */
  urlList: () =>
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1)),
  logLevel: () =>
    z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
};

/**
 * Settings every service has. Ports: `PORT` (API) and `ADMIN_PORT` (metrics, status, chaos).
 */
export const serviceEnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: env.port(3000),
  ADMIN_PORT: env.port(9464),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: env.logLevel(),
  BODY_LIMIT_BYTES: env.int(100_000, 1, 10_000_000),
  SHUTDOWN_TIMEOUT_MS: env.int(10_000, 0, 600_000),
});

/** The parsed shape of {@link serviceEnvSchema}, as services pass it around. */
export interface ServiceSettings {
  host: string;
  port: number;
  adminPort: number;
  adminToken: string | undefined;
  logLevel: string;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
}

export function toServiceSettings(e: z.infer<typeof serviceEnvSchema>): ServiceSettings {
  return {
    host: e.HOST,
    port: e.PORT,
    adminPort: e.ADMIN_PORT,
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
