import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

/** A loopback TCP proxy whose connections a test can cut, as a crash or a partition would. */
export interface TcpProxy {
  /** Port the proxy listens on, on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /**
   * Destroys every open connection (both sides, no goodbye) and refuses new ones: from either end
   * the peer has vanished.
   */
  cut(): Promise<void>;
  /** Same as {@link cut}; call it in `afterEach`/`afterAll`. */
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding every connection to `target`. */
export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    const upstream = connect({ host: target.host ?? '127.0.0.1', port: target.port });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  let closed: Promise<void> | undefined;
  const cut = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closed;
  };
  return { port: address.port, url: `http://127.0.0.1:${address.port}`, cut, close: cut };
}
