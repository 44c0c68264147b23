import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { requireEtcd, startEtcd } from './etcd-server';
import type { EtcdServer } from './etcd-server';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Talks to etcd through its v3 JSON gateway, so this helper's test needs no client library. */
async function put(endpoint: string, key: string, value: string): Promise<void> {
  const response = await fetch(`${endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key), value: b64(value) }),
  });
  expect(response.ok).toBe(true);
}

async function get(endpoint: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key) }),
  });
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(requireEtcd() === undefined)('startEtcd', () => {
  let etcd: EtcdServer | undefined;
  afterEach(async () => {
    await etcd?.destroy();
    etcd = undefined;
  });

  it('starts a real etcd on a loopback port that stores keys', { timeout: 30_000 }, async () => {
    etcd = await startEtcd();
    expect(etcd.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await put(etcd.endpoint, '/k', 'v');
    expect(await get(etcd.endpoint, '/k')).toBe('v');
  });

  it(
    'after stop it no longer answers; restart brings it back with its data',
    { timeout: 30_000 },
    async () => {
      etcd = await startEtcd();
      await put(etcd.endpoint, '/kept', 'yes');
      await etcd.stop();
      expect(await answers(etcd.endpoint)).toBe(false);
      await etcd.restart();
      expect(await get(etcd.endpoint, '/kept')).toBe('yes');
    },
  );

  it('after kill (a crash) restart still finds the data', { timeout: 30_000 }, async () => {
    etcd = await startEtcd();
    await put(etcd.endpoint, '/kept', 'after-crash');
    await etcd.kill();
    expect(await answers(etcd.endpoint)).toBe(false);
    await etcd.restart();
    expect(await get(etcd.endpoint, '/kept')).toBe('after-crash');
  });

  it('two servers get different ports and directories', { timeout: 30_000 }, async () => {
    etcd = await startEtcd();
    const other = await startEtcd();
    try {
      expect(other.endpoint).not.toBe(etcd.endpoint);
      expect(other.dataDir).not.toBe(etcd.dataDir);
    } finally {
      await other.destroy();
    }
  });

  it('destroy stops it and removes its temporary directory', { timeout: 30_000 }, async () => {
    const server = await startEtcd();
    await server.destroy();
    expect(await answers(server.endpoint)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
  });

  it(
    'a missing executable fails with the reason instead of hanging',
    { timeout: 30_000 },
    async () => {
      await expect(startEtcd({ executable: '/nonexistent/etcd' })).rejects.toThrow(/etcd exited/);
    },
  );
});
