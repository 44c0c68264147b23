import { afterEach, describe, expect, it } from 'vitest';
import { startCaptureServer } from './capture-server';
import type { CaptureServer } from './capture-server';

describe('startCaptureServer', () => {
  let receiver: CaptureServer | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('records each request with its method, path, headers and body bytes', async () => {
    receiver = await startCaptureServer();
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = Buffer.from([0, 1, 2, 255]);
    await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-probe': 'one' },
      body,
    });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/traces');
    expect(request?.headers['x-probe']).toBe('one');
    expect(request?.body.equals(body)).toBe(true);
  });

  it('answers as an OTLP/HTTP or Jaeger backend would', async () => {
    receiver = await startCaptureServer();
    const protobuf = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: 'x',
    });
    expect(protobuf.status).toBe(200);
    expect(protobuf.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await protobuf.arrayBuffer()).byteLength).toBe(0);

    const json = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toEqual({});

    const jaeger = await fetch(`${receiver.url}/api/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-thrift' },
      body: 'x',
    });
    expect(jaeger.status).toBe(202);
  });

  it('closes even while a client keeps its connection open', async () => {
    receiver = await startCaptureServer();
    await fetch(`${receiver.url}/v1/traces`, { method: 'POST', body: 'x' });
    await receiver.close();
    await expect(
      fetch(`${receiver.url}/v1/traces`, { method: 'POST', body: 'x' }),
    ).rejects.toThrow();
    receiver = undefined;
  });
});
