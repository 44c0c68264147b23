import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, requireEtcd, startEtcd, waitFor } from '@mesh/testing';
import type { EtcdServer } from '@mesh/testing';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { seed, sleep } from '../src/traffic';

const TTL_SECONDS = 3;

describe.skipIf(requireEtcd() === undefined)(
  'the mesh on a real etcd (npm start -- --registry etcd)',
  () => {
    let etcd: EtcdServer;
    let client: Etcd3;
    let mesh: RunningMesh;
    let ids: { userId: string; orderId: string };
    const extras: ChildProcess[] = [];

    beforeAll(async () => {
      etcd = await startEtcd();
      client = new Etcd3({ hosts: etcd.endpoint });
      mesh = await startMesh({
        args: ['--registry', 'etcd', '--etcd-endpoints', etcd.endpoint],
        env: {
          ETCD_LEASE_TTL_SECONDS: String(TTL_SECONDS),
          USER_SERVICE_HEALTH_INTERVAL_MS: '500',
        },
      });
      ids = await seed(mesh);
    });
    afterAll(async () => {
      for (const child of extras) child.kill('SIGKILL');
      await mesh?.stop();
      client?.close();
      await etcd?.destroy();
    });

    /** Starts one more user-service, outside the launcher, registered in etcd. */
    async function startExtraUserService(
      name: string,
    ): Promise<{ child: ChildProcess; output: () => string }> {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          '--require',
          join(repoRoot, 'libs/telemetry/dist/register.js'),
          join(repoRoot, 'apps/user-service/dist/main.js'),
        ],
        {
          env: {
            ...process.env,
            PORT: String(port),
            ADMIN_PORT: String(await freePort()),
            ADMIN_TOKEN: mesh.adminToken,
            DATABASE_PATH: join(mesh.dataDir, 'users.db'),
            REGISTRY: 'etcd',
            ETCD_ENDPOINTS: etcd.endpoint,
            ETCD_LEASE_TTL_SECONDS: String(TTL_SECONDS),
            OTEL_SERVICE_NAME: 'user-service',
            OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${name}`,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      extras.push(child);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(
        async () => (await client.get(`/services/user-service/${name}`).string()) ?? undefined,
        {
          what: `${name} registered`,
          timeoutMs: 20_000,
        },
      );
      return { child, output: () => output };
    }

    const readUser = () => fetch(`${mesh.gateway}/api/users/${ids.userId}`);

    it('registers every instance under /services/<service>/<instance> with its JSON description', async () => {
      const keys = await client.getAll().prefix('/services/').keys();
      for (const name of [
        'gateway',
        'user-service-1',
        'user-service-2',
        'order-service-1',
        'order-service-2',
      ]) {
        const service = name === 'gateway' ? 'gateway' : name.replace(/-\d+$/, '');
        expect(keys).toContain(`/services/${service}/${name}`);
      }
      const value = JSON.parse(
        (await client.get('/services/user-service/user-service-1').string()) as string,
      ) as {
        url: string;
      };
      expect(value.url).toBe(mesh.instance('user-service-1').url);
    });

    it('kill -9 of an instance removes its key within TTL + 2 s', async () => {
      // Not one of the launcher's: it would restart the instance, whose new lease keeps the key.
      const doomed = await startExtraUserService('user-service-doomed');
      const key = '/services/user-service/user-service-doomed';
      const deleted = new Promise<number>((resolve) => {
        void client
          .watch()
          .key(key)
          .create()
          .then((watcher) => watcher.on('delete', () => resolve(Date.now())));
      });
      await sleep(300);
      const killedAt = Date.now();
      doomed.child.kill('SIGKILL');
      const deletedAt = await Promise.race([
        deleted,
        sleep((TTL_SECONDS + 5) * 1000).then(() => Infinity),
      ]);
      expect(deletedAt - killedAt).toBeLessThanOrEqual((TTL_SECONDS + 2) * 1000);
    });

    it('a new instance receives traffic without restarting any caller', async () => {
      const extra = await startExtraUserService('user-service-extra');
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        expect((await readUser()).status).toBe(200);
        reached = extra.output().includes(ids.userId);
      }
      expect(reached).toBe(true);
    });

    it('with etcd stopped callers keep serving from cache, and pick up changes once it is back', async () => {
      await etcd.stop();
      for (let i = 0; i < 10; i++) expect((await readUser()).status).toBe(200);
      await etcd.restart();
      // A change made after etcd returned: one more instance, found by callers that never restarted.
      const later = await startExtraUserService('user-service-later');
      let reached = false;
      for (let i = 0; i < 100 && !reached; i++) {
        expect((await readUser()).status).toBe(200);
        reached = later.output().includes(ids.userId);
        if (!reached) await sleep(50);
      }
      expect(reached).toBe(true);
    });

    it('a lease lost from outside is re-established with the same key', async () => {
      const key = '/services/user-service/user-service-1';
      const before = (await client.get(key).exec()).kvs[0]?.lease;
      expect(before).toBeDefined();
      await client.leaseClient.leaseRevoke({ ID: before as string });
      const after = await waitFor(
        async () => {
          const kv = (await client.get(key).exec()).kvs[0];
          return kv && kv.lease !== before ? kv : undefined;
        },
        { what: `${key} on a new lease`, timeoutMs: (TTL_SECONDS + 5) * 1000 },
      );
      expect(JSON.parse(after.value.toString())).toMatchObject({ id: 'user-service-1' });
    });
  },
);
