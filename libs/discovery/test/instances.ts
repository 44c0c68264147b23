import type { ServiceInstance } from '../src/service-instance';

/** A valid instance of `service` numbered `n`, with fields a test may override. */
export function instance(
  service: string,
  n: number,
  overrides: Partial<ServiceInstance> = {},
): ServiceInstance {
  return {
    id: `${service}-${n}`,
    service,
    url: `http://127.0.0.1:${3000 + n}`,
    adminUrl: `http://127.0.0.1:${9400 + n}`,
    version: '0.1.0',
    weight: 1,
    zone: 'local',
    startedAt: '2025-01-01T12:00:00.000Z',
    ...overrides,
  };
}

/** The ids of a list, for short assertions. */
export const ids = (instances: readonly ServiceInstance[]): string[] => instances.map((i) => i.id);
