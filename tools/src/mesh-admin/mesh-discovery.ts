import type { AdminClient, InstanceStatus } from './admin-client';

/** One instance of the mesh, as the gateway's `/admin/status` lists it. */
export interface MeshInstance {
  /** Instance id, e.g. `order-service-2` (natively the launcher's instance name). */
  id: string;
  service: string;
  /** Base URL of its API port. */
  url: string;
  /** Base URL of its admin port (`/admin/*`, `/metrics`). */
  adminUrl: string;
  /** How the gateway sees it: `healthy`, `ejected` or `not_ready`; the gateway itself: `self`. */
  state: string;
}

/** The gateway and every instance it routes to. */
export interface MeshMap {
  gateway: MeshInstance;
  instances: MeshInstance[];
  /** The gateway's own `/admin/status`, as read. */
  gatewayStatus: InstanceStatus;
}

/** The gateway's admin port is its API port + 1384: natively 8080/9464 shifted by `--port-offset`, in compose 8080/9464. */
const GATEWAY_ADMIN_PORT_SHIFT = 9464 - 8080;

/**
 * The gateway's admin URL from its API URL, by the port plan of ARCHITECTURE.md (admin port =
 * API port + 1384, which holds natively for every `--port-offset` and in compose).
 */
export function gatewayAdminUrl(target: string): string {
  const url = new URL(target);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return `${url.protocol}//${url.hostname}:${port + GATEWAY_ADMIN_PORT_SHIFT}`;
}

interface UpstreamRow {
  id?: unknown;
  url?: unknown;
  adminUrl?: unknown;
  state?: unknown;
}

/**
 * Reads the gateway's `/admin/status` and lists the gateway and every instance of its upstream
 * tables (user-service and order-service), with their admin URLs.
 */
export async function discoverMesh(
  client: AdminClient,
  options: { target: string; gatewayAdminUrl?: string },
): Promise<MeshMap> {
  const adminUrl = options.gatewayAdminUrl ?? gatewayAdminUrl(options.target);
  const status = await client.status(adminUrl);
  const gateway: MeshInstance = {
    id: status.instanceId,
    service: status.service,
    url: new URL(options.target).origin,
    adminUrl,
    state: 'self',
  };
  const upstreams = Array.isArray(status['upstreams'])
    ? (status['upstreams'] as { service?: unknown; instances?: unknown }[])
    : [];
  const instances: MeshInstance[] = [];
  for (const upstream of upstreams) {
    if (typeof upstream.service !== 'string' || !Array.isArray(upstream.instances)) continue;
    for (const row of upstream.instances as UpstreamRow[]) {
      if (typeof row.id !== 'string' || typeof row.url !== 'string') continue;
      if (typeof row.adminUrl !== 'string') {
        throw new Error(
          `the gateway's /admin/status lists ${row.id} without an adminUrl (a gateway older than this tool? rebuild it)`,
        );
      }
      instances.push({
        id: row.id,
        service: upstream.service,
        url: row.url,
        adminUrl: row.adminUrl,
        state: typeof row.state === 'string' ? row.state : 'unknown',
      });
    }
  }
  return { gateway, instances: [gateway, ...instances], gatewayStatus: status };
}

/**
 * The instances `name` means: the one with that id, or every instance of the service of that
 * name. Empty when neither.
 */
export function selectInstances(mesh: MeshMap, name: string): MeshInstance[] {
  const byId = mesh.instances.filter((instance) => instance.id === name);
  return byId.length > 0 ? byId : mesh.instances.filter((instance) => instance.service === name);
}
