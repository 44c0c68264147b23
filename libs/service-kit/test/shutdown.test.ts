import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ChaosController, Readiness, createAdminApp, createServiceApp, startServers } from '../src';
import { testLogger } from '../src/testing';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('lets a request in flight finish, then accepts no new connection', async () => {
    const { logger } = testLogger();
    const readiness = new Readiness();
    const chaos = new ChaosController();
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const app = createServiceApp({
      logger,
      readiness,
      chaos,
      bodyLimitBytes: 1000,
      routes: (router) => {
        router.get('/slow', async (_req, res) => {
          arrived();
          await new Promise<void>((resolve) => (release = resolve));
          res.json({ finished: true });
        });
      },
    });
    const adminApp = createAdminApp({
      identity: { service: 's', instanceId: 'i', version: 'v' },
      token: 'x'.repeat(20),
      logger,
      readiness,
      chaos,
    });
    const service = await startServers({
      app,
      adminApp,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      logger,
      readiness,
      shutdownTimeoutMs: 10_000,
    });

    const inFlight = get(service.apiPort, '/slow');
    await requestArrived;
    const stopped = service.shutdown('test');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readiness.draining).toBe(true);
    await expect(get(service.apiPort, '/health/live')).rejects.toThrow(/ECONNREFUSED/);

    release();
    expect(await inFlight).toEqual({ status: 200, body: JSON.stringify({ finished: true }) });
    await stopped;
  });

  it('cuts connections that outlive the drain timeout', async () => {
    const { logger } = testLogger();
    const readiness = new Readiness();
    const chaos = new ChaosController();
    const app = createServiceApp({
      logger,
      readiness,
      chaos,
      bodyLimitBytes: 1000,
      routes: (router) => {
        router.get('/hang', () => new Promise(() => undefined));
      },
    });
    const adminApp = createAdminApp({
      identity: { service: 's', instanceId: 'i', version: 'v' },
      token: 'x'.repeat(20),
      logger,
      readiness,
      chaos,
    });
    const service = await startServers({
      app,
      adminApp,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      logger,
      readiness,
      shutdownTimeoutMs: 100,
    });
    const hanging = get(service.apiPort, '/hang');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await service.shutdown('test');
    await expect(hanging).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
