import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isPortFree } from '../launcher/ports';
import type { BenchProcess } from './processes';
import { spawnLogged, stopProcess, waitReady } from './processes';

export interface NaiveChain {
  gateway: string;
  orders: string;
  users: string;
  processes: BenchProcess[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 60_000 + Math.floor(Math.random() * 5000);
    if (await isPortFree(port, '127.0.0.1')) return port;
  }
}

/** Starts the naive reference chain (naive-chain.ts): user, order and gateway processes. */
export async function startNaiveChain(
  node: string,
  dir: string,
  preloads: readonly string[] = [],
): Promise<NaiveChain> {
  mkdirSync(dir, { recursive: true });
  const entry = join(__dirname, 'naive-chain.js');
  const [userPort, orderPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const users = `http://127.0.0.1:${userPort}`;
  const orders = `http://127.0.0.1:${orderPort}`;
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const env = { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production' };
  const specs: [string, string[], string][] = [
    ['naive-user', ['user', String(userPort), join(dir, 'users.db')], users],
    ['naive-order', ['order', String(orderPort), join(dir, 'orders.db'), users], orders],
    ['naive-gateway', ['gateway', String(gatewayPort), orders], gateway],
  ];
  const processes: BenchProcess[] = [];
  const chain: NaiveChain = {
    gateway,
    orders,
    users,
    processes,
    stop: async () => {
      await Promise.all(processes.map((p) => stopProcess(p)));
    },
  };
  try {
    for (const [name, args, url] of specs) {
      const proc = spawnLogged(
        name,
        node,
        [...preloads.flatMap((p) => ['--require', p]), entry, ...args],
        env,
        join(dir, `${name}.log`),
      );
      processes.push(proc);
      await waitReady(proc, `${url}/health/ready`, 30_000);
    }
  } catch (error) {
    await chain.stop();
    throw error;
  }
  return chain;
}
