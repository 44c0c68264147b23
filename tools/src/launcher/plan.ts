import { resolve } from 'node:path';

/** One process the launcher runs. */
export interface InstancePlan {
  /** `gateway`, `user-service-1`, … — also the log file name and `service.instance.id`. */
  name: string;
  service: 'gateway' | 'user-service' | 'order-service';
  apiPort: number;
  adminPort: number;
  /** The built entry point. */
  entry: string;
  env: Record<string, string>;
}

export interface PlanOptions {
  repoRoot: string;
  userInstances: number;
  orderInstances: number;
  /** Added to every port of the plan, so a second mesh (a test) can run beside the first. */
  portOffset: number;
  host: string;
  adminToken: string;
  dataDir: string;
  /**
   * PostgreSQL URL handed to user-service and order-service as `DATABASE_URL`; both may share one
   * database, as each keeps its tables in a schema of its own. Without it they use SQLite files
   * in `dataDir`.
   */
  databaseUrl?: string;
  logLevel: string;
  /** `static`: the plan itself is the registry, handed to every instance; `etcd`: they register there. */
  registry: 'static' | 'etcd';
  etcdEndpoints: readonly string[];
}

/**
 * The native port plan of ARCHITECTURE.md: gateway 8080/9464, user-service 3001…/9465…,
 * order-service 3011…/after the user admin ports — each shifted by `portOffset`.
 */
export function planMesh(options: PlanOptions): InstancePlan[] {
  const { repoRoot, portOffset: offset, host } = options;
  const url = (port: number) => `http://${host}:${port}`;
  const common: Record<string, string> = {
    HOST: host,
    ADMIN_TOKEN: options.adminToken,
    LOG_LEVEL: options.logLevel,
    REGISTRY: options.registry,
    ...(options.registry === 'etcd' ? { ETCD_ENDPOINTS: options.etcdEndpoints.join(',') } : {}),
  };
  const entry = (app: string) => resolve(repoRoot, 'apps', app, 'dist', 'main.js');
  const storage = (sqliteFile: string): Record<string, string> =>
    options.databaseUrl === undefined
      ? { DATABASE_PATH: resolve(options.dataDir, sqliteFile) }
      : { DATABASE_URL: options.databaseUrl };

  const users: InstancePlan[] = [];
  for (let i = 1; i <= options.userInstances; i++) {
    const name = `user-service-${i}`;
    const apiPort = 3000 + i + offset;
    const adminPort = 9464 + i + offset;
    users.push({
      name,
      service: 'user-service',
      apiPort,
      adminPort,
      entry: entry('user-service'),
      env: {
        ...common,
        PORT: String(apiPort),
        ADMIN_PORT: String(adminPort),
        ...storage('users.db'),
      },
    });
  }

  const orders: InstancePlan[] = [];
  for (let i = 1; i <= options.orderInstances; i++) {
    const name = `order-service-${i}`;
    const apiPort = 3010 + i + offset;
    const adminPort = 9464 + options.userInstances + i + offset;
    orders.push({
      name,
      service: 'order-service',
      apiPort,
      adminPort,
      entry: entry('order-service'),
      env: {
        ...common,
        PORT: String(apiPort),
        ADMIN_PORT: String(adminPort),
        ...storage('orders.db'),
      },
    });
  }

  const gateway: InstancePlan = {
    name: 'gateway',
    service: 'gateway',
    apiPort: 8080 + offset,
    adminPort: 9464 + offset,
    entry: entry('gateway'),
    env: {
      ...common,
      PORT: String(8080 + offset),
      ADMIN_PORT: String(9464 + offset),
    },
  };

  const all = [...users, ...orders, gateway];
  if (options.registry === 'static') {
    const registry = staticRegistry(all, url);
    for (const plan of all) plan.env['STATIC_REGISTRY'] = registry;
  }

  for (const plan of all) {
    plan.env['OTEL_SERVICE_NAME'] = plan.service;
    plan.env['OTEL_RESOURCE_ATTRIBUTES'] = [
      `service.instance.id=${plan.name}`,
      process.env['OTEL_RESOURCE_ATTRIBUTES'],
    ]
      .filter(Boolean)
      .join(',');
  }
  // Dependencies first, so each caller finds its upstreams listening.
  return all;
}

/** The static registry every instance receives: `{ "<service>": [ServiceInstance, …] }` as JSON. */
function staticRegistry(plans: InstancePlan[], url: (port: number) => string): string {
  const startedAt = new Date().toISOString();
  const services: Record<string, unknown[]> = {};
  for (const plan of plans) {
    (services[plan.service] ??= []).push({
      id: plan.name,
      service: plan.service,
      url: url(plan.apiPort),
      adminUrl: url(plan.adminPort),
      version: '0.1.0',
      weight: 1,
      zone: 'local',
      startedAt,
    });
  }
  return JSON.stringify(services);
}
