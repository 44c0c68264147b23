import { z } from 'zod';

/** One running copy of a service, as it registers itself and as callers see it. */
export interface ServiceInstance {
  /** Unique per instance, stable for the life of the process (e.g. `user-service-3001`). No `/`. */
  id: string;
  /** Logical service name callers look up (e.g. `user-service`). No `/`. */
  service: string;
  /** Base URL of the API port, e.g. `http://127.0.0.1:3001`; `GET {url}/health/ready` answers readiness. */
  url: string;
  /** Base URL of the admin port (`/metrics`, `/admin/*`). */
  adminUrl: string;
  /** Version of the running build. */
  version: string;
  /** Relative share of traffic for weighted balancers; 0 takes no new traffic. */
  weight: number;
  /** Failure domain (zone, rack, host) for zone-aware balancing. */
  zone: string;
  /** When the process started, ISO 8601 with offset (e.g. `2025-01-01T12:00:00.000Z`). */
  startedAt: string;
}

const pathSegment = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\s]+$/, 'must be a non-empty path segment without "/" or spaces');
const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * Validates a {@link ServiceInstance}. Every value read from a registry passes through it: what
 * does not parse is skipped and reported, never handed to a caller. Unknown fields are dropped, so a
 * newer writer with extra fields stays readable.
 */
export const serviceInstanceSchema = z.object({
  id: pathSegment,
  service: pathSegment,
  url: httpUrl,
  adminUrl: httpUrl,
  version: z.string().min(1),
  weight: z.number().finite().nonnegative(),
  zone: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
});

// The schema and the interface must describe the same shape; this fails to compile if they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<z.infer<typeof serviceInstanceSchema>, ServiceInstance> = true;
void schemaMatchesInterface;

/** The outcome of reading one registry value. */
export type ParsedInstance =
  { ok: true; instance: ServiceInstance } | { ok: false; reason: string };

/** Parses a JSON text into a {@link ServiceInstance}, with a readable reason when it is not one. */
export function parseServiceInstance(json: string): ParsedInstance {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = serviceInstanceSchema.safeParse(value);
  if (!result.success) {
    const reason = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason };
  }
  return { ok: true, instance: result.data };
}

/** Sorts by id: every list this lib hands out has a stable order. */
export function byId(a: ServiceInstance, b: ServiceInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
