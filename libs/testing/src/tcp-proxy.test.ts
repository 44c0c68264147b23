import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy } from './tcp-proxy';
import type { TcpProxy } from './tcp-proxy';

async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, port: address.port };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (data) => resolve(data.toString()));
    socket.write(text);
  });
}

describe('startTcpProxy', () => {
  let proxy: TcpProxy | undefined;
  let echo: Server | undefined;
  afterEach(async () => {
    await proxy?.close();
    await new Promise((resolve) => (echo ? echo.close(resolve) : resolve(undefined)));
  });

  it('forwards bytes both ways to the target', async () => {
    const target = await echoServer();
    echo = target.server;
    proxy = await startTcpProxy({ port: target.port });
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
    const socket = await open(proxy.port);
    expect(await roundTrip(socket, 'ping')).toBe('ping');
    socket.destroy();
  });

  it('cut drops open connections and refuses new ones', async () => {
    const target = await echoServer();
    echo = target.server;
    proxy = await startTcpProxy({ port: target.port });
    const socket = await open(proxy.port);
    await roundTrip(socket, 'ping');
    const dropped = new Promise((resolve) => socket.once('close', resolve));
    await proxy.cut();
    await dropped;
    await expect(open(proxy.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
