import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipLogLines } from './log-shipper';

/** A stand-in `_bulk` endpoint: records the bodies, refuses documents without `@timestamp`. */
let url: string;
const bodies: { path: string; contentType: string; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    bodies.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
    const docs = body
      .trim()
      .split('\n')
      .filter((_, i) => i % 2 === 1);
    const items = docs.map((doc) =>
      '@timestamp' in (JSON.parse(doc) as object)
        ? { create: { status: 201 } }
        : { create: { status: 400, error: { type: 'timestamp_missing' } } },
    );
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ errors: items.some((i) => i.create.status >= 300), items }));
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('shipLogLines', () => {
  it('creates each line, expanded, with the data_stream fields, in one refreshing _bulk', async () => {
    const shipped = await shipLogLines({
      url,
      dataStream: 'logs-mesh-default',
      lines: [{ '@timestamp': '2026-01-01T00:00:00Z', 'trace.id': 'abc', message: 'hi' }],
    });
    expect(shipped).toBe(1);
    const request = bodies.at(-1);
    expect(request?.path).toBe('/_bulk?refresh=true');
    expect(request?.contentType).toBe('application/x-ndjson');
    expect(request?.body.endsWith('\n')).toBe(true);
    expect(
      request?.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { create: { _index: 'logs-mesh-default' } },
      {
        '@timestamp': '2026-01-01T00:00:00Z',
        trace: { id: 'abc' },
        message: 'hi',
        data_stream: { type: 'logs', dataset: 'mesh', namespace: 'default' },
      },
    ]);
  });

  it('rejects when a line is refused, naming why', async () => {
    await expect(
      shipLogLines({ url, dataStream: 'logs-mesh-default', lines: [{ message: 'no time' }] }),
    ).rejects.toThrow(/refused 1 of 1 lines.*timestamp_missing/);
  });

  it('refuses a target that is not a data stream name', async () => {
    await expect(shipLogLines({ url, dataStream: 'mesh', lines: [] })).rejects.toThrow(
      /type-dataset-namespace/,
    );
  });
});
