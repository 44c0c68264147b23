import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CaptureServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/**
 * A receiver on a loopback port that records every request and answers as the backend would:
 * OTLP/HTTP success (an empty ExportTraceServiceResponse: no bytes for protobuf, `{}` for JSON)
 * and 202 for the Jaeger collector's `/api/traces`.
 */
export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (req.url === '/api/traces') {
        res.statusCode = 202;
        res.end();
      } else if (req.headers['content-type']?.startsWith('application/json')) {
        res.setHeader('Content-Type', 'application/json');
        res.end('{}');
      } else {
        res.setHeader('Content-Type', 'application/x-protobuf');
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
