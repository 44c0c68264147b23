import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, isAdminError } from './admin-client';
import { discoverMesh, gatewayAdminUrl, selectInstances } from './mesh-discovery';

const TOKEN = 'unit-test-token';
const gatewayStatus = {
  service: 'gateway',
  instanceId: 'gateway',
  version: '0.1.0',
  pid: 1,
  uptimeSeconds: 1,
  ready: true,
  chaos: {},
  upstreams: [
    {
      service: 'user-service',
      instances: [
        { id: 'user-service-1', url: 'http://u1', adminUrl: 'http://u1-admin', state: 'healthy' },
      ],
    },
    {
      service: 'order-service',
      instances: [
        { id: 'order-service-1', url: 'http://o1', adminUrl: 'http://o1-admin', state: 'ejected' },
        { id: 'order-service-2', url: 'http://o2', adminUrl: 'http://o2-admin', state: 'healthy' },
      ],
    },
  ],
};

let adminUrl = '';
const server = createServer((req, res) => {
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'wrong admin token' } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(gatewayStatus));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('gatewayAdminUrl', () => {
  it('is the API port + 1384, as the port plan has it natively (any offset) and in compose', () => {
    expect(gatewayAdminUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:9464');
    expect(gatewayAdminUrl('http://127.0.0.1:39080/')).toBe('http://127.0.0.1:40464');
    expect(gatewayAdminUrl('http://gateway:8080')).toBe('http://gateway:9464');
  });
});

describe('discoverMesh', () => {
  it("lists the gateway and every upstream instance with its admin URL from the gateway's status", async () => {
    const mesh = await discoverMesh(new AdminClient({ token: TOKEN }), {
      target: 'http://127.0.0.1:8080',
      gatewayAdminUrl: adminUrl,
    });
    expect(mesh.instances.map((i) => [i.id, i.service, i.adminUrl, i.state])).toEqual([
      ['gateway', 'gateway', adminUrl, 'self'],
      ['user-service-1', 'user-service', 'http://u1-admin', 'healthy'],
      ['order-service-1', 'order-service', 'http://o1-admin', 'ejected'],
      ['order-service-2', 'order-service', 'http://o2-admin', 'healthy'],
    ]);
    expect(selectInstances(mesh, 'order-service').map((i) => i.id)).toEqual([
      'order-service-1',
      'order-service-2',
    ]);
    expect(selectInstances(mesh, 'order-service-2').map((i) => i.id)).toEqual(['order-service-2']);
    expect(selectInstances(mesh, 'nope')).toEqual([]);
  });

  it('reports a wrong token as unauthorized, with the envelope message', async () => {
    const error: unknown = await discoverMesh(new AdminClient({ token: 'wrong' }), {
      target: 'http://127.0.0.1:8080',
      gatewayAdminUrl: adminUrl,
    }).catch((e: unknown) => e);
    expect(isAdminError(error) && error.kind).toBe('unauthorized');
    expect(String(error)).toContain('401 wrong admin token');
  });

  it('reports a closed port as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error: unknown = await new AdminClient({ token: TOKEN, timeoutMs: 1000 })
      .status(`http://127.0.0.1:${port}`)
      .catch((e: unknown) => e);
    expect(isAdminError(error) && error.kind).toBe('unreachable');
  });
});
