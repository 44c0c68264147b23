import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in OTLP/HTTP receiver that reads each export and throws it away (200 to /v1/traces). */
export interface DiscardingReceiver {
  url: string;
  /** Export requests received so far. */
  exports(): number;
  close(): Promise<void>;
}

export async function startDiscardingReceiver(): Promise<DiscardingReceiver> {
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        count++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
