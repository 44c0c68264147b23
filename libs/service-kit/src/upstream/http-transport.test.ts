import { once } from 'node:events';
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../http-error';
import { createServer as createTcpServer } from 'node:net';
import {
  createDispatcher,
  isConnectRefused,
  isConnectionError,
  transportErrorKind,
} from './http-transport';

let dispatcher: Dispatcher;
beforeEach(() => {
  dispatcher = createDispatcher();
});
afterEach(async () => {
  await dispatcher.close();
});

async function serve(handler: RequestListener) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function failureOf(url: string): Promise<unknown> {
  return request(`${url}/x`, { method: 'POST', body: 'x', dispatcher }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('http transport', () => {
  it('a request through the shared dispatcher is answered', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    try {
      const response = await request(`${server.url}/x`, { dispatcher });
      expect(await response.body.text()).toBe('ok');
    } finally {
      await server.close();
    }
  });

  it('a refused connection is a connection error, and one that sent nothing', async () => {
    const server = await serve((_req, res) => res.end());
    await server.close();
    const error = await failureOf(server.url);
    expect(isConnectRefused(error)).toBe(true);
    expect(isConnectionError(error)).toBe(true);
  });

  it('a connection the server drops mid-request is a connection error, but the request may have arrived', async () => {
    const server = await serve((req) => req.socket.destroy());
    try {
      const error = await failureOf(server.url);
      expect(isConnectionError(error)).toBe(true);
      expect(isConnectRefused(error)).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('finds the connection error anywhere in the cause chain', async () => {
    const server = await serve((_req, res) => res.end());
    await server.close();
    const wrapped = new HttpError('upstream_unavailable', 'down', {
      cause: await failureOf(server.url),
    });
    expect(isConnectRefused(wrapped)).toBe(true);
    expect(isConnectionError(wrapped)).toBe(true);
  });

  it.each([
    ['ETIMEDOUT', 'timeout'],
    ['ENETUNREACH', 'connect'],
    ['EHOSTUNREACH', 'connect'],
    ['ECONNABORTED', 'reset'],
    ['ECONNRESET', 'reset'],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_SOCKET', 'reset'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'protocol'],
  ])('an error with code %s is a transport failure of kind %s', (code, kind) => {
    const error = new HttpError('upstream_unavailable', 'x', {
      cause: Object.assign(new Error(code), { code }),
    });
    expect(transportErrorKind(error)).toBe(kind);
    expect(isConnectionError(error)).toBe(true);
    expect(isConnectRefused(error)).toBe(code === 'ECONNREFUSED');
  });

  it('an answer that is not HTTP is a protocol failure', async () => {
    const server = createTcpServer((socket) => socket.end('SMTP ready\r\n\r\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const error = await failureOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(transportErrorKind(error)).toBe('protocol');
    } finally {
      server.close();
    }
  });

  it.each([
    ['a plain error', new Error('boom')],
    ['an abort', new DOMException('aborted', 'AbortError')],
    ['an error with another code', Object.assign(new Error('x'), { code: 'ERR_INVALID_URL' })],
    ['an undici abort', Object.assign(new Error('x'), { code: 'UND_ERR_ABORTED' })],
    ['something not an error', { code: 'ECONNREFUSED' }],
    ['undefined', undefined],
  ])('%s is not a connection error', (_label, error) => {
    expect(isConnectionError(error)).toBe(false);
    expect(transportErrorKind(error)).toBeUndefined();
    expect(isConnectRefused(error)).toBe(false);
  });
});
