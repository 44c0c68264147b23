import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JsonObject } from './expand-keys';
import { shipLogLines, startLogShipper } from './log-shipper';
import type { LogShipper, LogShipperOptions } from './log-shipper';

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

describe('startLogShipper (against a stand-in _bulk server)', () => {
  /** A second stand-in: keeps every created document; answers 503 while `down`. */
  let bulkUrl: string;
  let down = false;
  const created: JsonObject[] = [];
  const requests: number[] = [];
  const bulk = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (down) {
        res.statusCode = 503;
        res.end('{"error":"unavailable"}');
        return;
      }
      const docs = body
        .trim()
        .split('\n')
        .filter((_, i) => i % 2 === 1)
        .map((doc) => JSON.parse(doc) as JsonObject);
      requests.push(docs.length);
      created.push(...docs);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ errors: false, items: docs.map(() => ({ create: { status: 201 } })) }),
      );
    });
  });
  let dir: string;
  let shipper: LogShipper | undefined;
  const warnings: string[] = [];
  const messages = () => created.map((doc) => doc['message']);

  beforeAll(async () => {
    await new Promise<void>((resolve) => bulk.listen(0, '127.0.0.1', resolve));
    bulkUrl = `http://127.0.0.1:${(bulk.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => bulk.close(() => resolve())));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-shipper-'));
    created.length = 0;
    requests.length = 0;
    warnings.length = 0;
    down = false;
  });
  afterEach(async () => {
    await shipper?.stop();
    shipper = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (options: Partial<LogShipperOptions> = {}) =>
    (shipper = startLogShipper({
      url: bulkUrl,
      dataStream: 'logs-mesh-default',
      dir: join(dir, 'logs'),
      intervalMs: 20,
      onWarning: (message) => warnings.push(message),
      ...options,
    }));
  const line = (message: string) =>
    `${JSON.stringify({ '@timestamp': '2026-01-01T00:00:00Z', 'service.name': 'gateway', message })}\n`;

  it('ships lines of files that appear later, expanded, with the data_stream fields', async () => {
    start();
    await sleep(60);
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'gateway-1.ndjson'), line('first'));
    await vi.waitFor(() => expect(messages()).toEqual(['first']), WAIT);
    expect(created[0]).toEqual({
      '@timestamp': '2026-01-01T00:00:00Z',
      service: { name: 'gateway' },
      message: 'first',
      data_stream: { type: 'logs', dataset: 'mesh', namespace: 'default' },
    });
    writeFileSync(join(dir, 'logs', 'order-service-1.ndjson'), line('second'));
    await vi.waitFor(() => expect(messages()).toEqual(['first', 'second']), WAIT);
  });

  it('ships a line written in pieces once, when its newline comes', async () => {
    mkdirSync(join(dir, 'logs'));
    const file = join(dir, 'logs', 'user-service-1.ndjson');
    const whole = line('pieces');
    writeFileSync(file, whole.slice(0, 10));
    start();
    await sleep(100);
    appendFileSync(file, whole.slice(10, -1));
    await sleep(100);
    expect(created).toEqual([]);
    appendFileSync(file, '\n');
    await vi.waitFor(() => expect(messages()).toEqual(['pieces']), WAIT);
  });

  it('ships a truncated file again from its start, and sends no line twice otherwise', async () => {
    mkdirSync(join(dir, 'logs'));
    const file = join(dir, 'logs', 'gateway-1.ndjson');
    writeFileSync(file, line('a') + line('b'));
    start();
    await vi.waitFor(() => expect(messages()).toEqual(['a', 'b']), WAIT);
    writeFileSync(file, line('c'));
    await vi.waitFor(() => expect(messages()).toEqual(['a', 'b', 'c']), WAIT);
    await sleep(100);
    expect(messages()).toEqual(['a', 'b', 'c']);
  });

  it('sends batches of at most maxBatch lines, and drops nothing while the engine takes them', async () => {
    mkdirSync(join(dir, 'logs'));
    writeFileSync(
      join(dir, 'logs', 'gateway-1.ndjson'),
      Array.from({ length: 7 }, (_, i) => line(`m${i}`)).join(''),
    );
    start({ maxBatch: 3, maxBuffered: 2 });
    await vi.waitFor(() => expect(created).toHaveLength(7), WAIT);
    expect(requests).toEqual([3, 3, 1]);
    expect(shipper?.stats()).toMatchObject({ shipped: 7, dropped: 0 });
  });

  it('holds lines while the engine is down, drops the oldest beyond maxBuffered with a counted warning', async () => {
    mkdirSync(join(dir, 'logs'));
    down = true;
    writeFileSync(
      join(dir, 'logs', 'gateway-1.ndjson'),
      Array.from({ length: 5 }, (_, i) => line(`m${i}`)).join(''),
    );
    start({ maxBuffered: 3 });
    await vi.waitFor(() => {
      expect(warnings.some((w) => /not taking log lines \(HTTP 503\)/.test(w))).toBe(true);
      expect(warnings.some((w) => /dropped 2 log line\(s\)/.test(w))).toBe(true);
    }, WAIT);
    expect(shipper?.stats().dropped).toBe(2);
    down = false;
    await vi.waitFor(() => expect(messages()).toEqual(['m2', 'm3', 'm4']), WAIT);
    expect(shipper?.stats()).toMatchObject({ shipped: 3, dropped: 2, buffered: 0 });
  });

  it('ships a line that is not JSON undecoded, as Filebeat does', async () => {
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'gateway-1.ndjson'), 'not json\n');
    start();
    await vi.waitFor(() => expect(messages()).toEqual(['not json']), WAIT);
    expect(created[0]).toMatchObject({ error: { type: 'json' } });
    expect(shipper?.stats().undecoded).toBe(1);
  });

  it('resumes where it stopped when given a registry file', async () => {
    mkdirSync(join(dir, 'logs'));
    const file = join(dir, 'logs', 'gateway-1.ndjson');
    const registryFile = join(dir, 'registry.json');
    writeFileSync(file, line('before'));
    await start({ registryFile }).stop();
    appendFileSync(file, line('after'));
    start({ registryFile });
    await vi.waitFor(() => expect(messages()).toEqual(['before', 'after']), WAIT);
  });
});

/** vi.waitFor's options: up to 5 s, every 20 ms. */
const WAIT = { timeout: 5000, interval: 20 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
