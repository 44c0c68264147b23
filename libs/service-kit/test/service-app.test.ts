import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ChaosController,
  HttpError,
  Readiness,
  createAdminApp,
  createServiceApp,
  parseOrThrow,
} from '../src';
import { expectError, listen, testLogger } from '../src/testing';
import type { TestServer } from '../src/testing';

const TOKEN = 'test-token-0123456789abcdef';

function build(options: { random?: () => number; readiness?: Readiness } = {}) {
  const { logger, lines } = testLogger();
  const readiness = options.readiness ?? new Readiness();
  const chaos = new ChaosController({ random: options.random ?? (() => 0.5) });
  const bodySchema = z.strictObject({
    name: z.string().min(1),
    count: z.number().int().positive(),
  });
  const app = createServiceApp({
    logger,
    readiness,
    chaos,
    bodyLimitBytes: 1024,
    routes: (router) => {
      router.post('/things', (req, res) => {
        const thing = parseOrThrow(bodySchema, req.body);
        res.status(201).json(thing);
      });
      router.get('/things/:id', (req, res) => {
        if (req.params.id === 'missing') throw new HttpError('not_found', 'thing not found');
        res.json({ id: req.params.id });
      });
      router.get('/boom', async () => {
        await Promise.resolve();
        throw new Error('secret internal detail');
      });
    },
  });
  const adminApp = createAdminApp({
    identity: { service: 'test-service', instanceId: 'test-1', version: '1.2.3' },
    token: TOKEN,
    logger,
    readiness,
    chaos,
  });
  return { app, adminApp, chaos, readiness, lines };
}

describe('service app', () => {
  let api: TestServer;
  let admin: TestServer;
  let ctx: ReturnType<typeof build>;

  beforeEach(async () => {
    ctx = build();
    api = await listen(ctx.app);
    admin = await listen(ctx.adminApp);
  });
  afterEach(async () => {
    await api.close();
    await admin.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('answers a valid body with 201', async () => {
    const response = await post('/things', JSON.stringify({ name: 'a', count: 2 }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'a', count: 2 });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const echoed = await fetch(`${api.url}/things/1`, { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${api.url}/things/1`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    await expectError(await post('/things', '{"name":'), 400, 'invalid_json');
  });

  it('lists every bad field: wrong type, missing field and unknown field', async () => {
    const { error } = await expectError(
      await post('/things', JSON.stringify({ count: 'two', extra: true })),
      400,
      'validation_failed',
    );
    const fields = (error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['count', 'extra', 'name']);
  });

  it('rejects a non-positive number', async () => {
    const { error } = await expectError(
      await post('/things', JSON.stringify({ name: 'a', count: 0 })),
      400,
      'validation_failed',
    );
    expect(error.details).toEqual([expect.objectContaining({ field: 'count' })]);
  });

  it('answers an oversize body with 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(5000), count: 1 });
    await expectError(await post('/things', big), 413, 'payload_too_large');
  });

  it('answers a body that is not JSON with 415', async () => {
    await expectError(
      await post('/things', 'name=a', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });

  it('answers an unknown route with 404 route_not_found', async () => {
    await expectError(await fetch(`${api.url}/nope`), 404, 'route_not_found');
  });

  it('answers a malformed URL escape with 400, not 500', async () => {
    await expectError(await fetch(`${api.url}/things/%E0%A4%A`), 400, 'bad_request');
  });

  it('passes a thrown HttpError through with its status', async () => {
    await expectError(await fetch(`${api.url}/things/missing`), 404, 'not_found');
  });

  it('hides an unexpected error behind a 500 envelope and logs its stack', async () => {
    const response = await fetch(`${api.url}/boom`);
    const { error } = await expectError(response, 500, 'internal_error');
    expect(JSON.stringify(error)).not.toContain('secret internal detail');
    const logged = ctx.lines().find((line) => line['log.level'] === 'error');
    expect(JSON.stringify(logged)).toContain('secret internal detail');
  });

  it('writes one access-log line per request with method, route, status and request id', async () => {
    await fetch(`${api.url}/things/7`, { headers: { 'x-request-id': 'req-7' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const access = ctx.lines().filter((line) => JSON.stringify(line).includes('req-7'));
    expect(access).toHaveLength(1);
    expect(access[0]?.['message']).toMatch(/^GET \/things\/:id 200 \d+ms$/);
  });

  it('reports live and ready, and not ready while a check fails or while draining', async () => {
    let databaseUp = true;
    ctx.readiness.addCheck('database', () => databaseUp);
    expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
    databaseUp = false;
    const { error } = await expectError(await fetch(`${api.url}/health/ready`), 503, 'not_ready');
    expect(error.message).toContain('database');
    databaseUp = true;
    ctx.readiness.startDraining();
    await expectError(await fetch(`${api.url}/health/ready`), 503, 'not_ready');
  });

  describe('admin', () => {
    const auth = { authorization: `Bearer ${TOKEN}` };

    it('refuses a call without a token and with a wrong token', async () => {
      await expectError(await fetch(`${admin.url}/admin/status`), 401, 'unauthorized');
      const wrong = await fetch(`${admin.url}/admin/status`, {
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
      await expectError(wrong, 401, 'unauthorized');
    });

    it.each(['bearer', 'BEARER', 'Bearer '])(
      'accepts the token with the scheme written %j (schemes are case-insensitive)',
      async (scheme) => {
        const response = await fetch(`${admin.url}/admin/status`, {
          headers: { authorization: `${scheme} ${TOKEN}` },
        });
        expect(response.status).toBe(200);
      },
    );

    it('refuses a token that is only a prefix or an extension of the right one', async () => {
      for (const token of [TOKEN.slice(0, -1), `${TOKEN}x`, '']) {
        const response = await fetch(`${admin.url}/admin/status`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await expectError(response, 401, 'unauthorized');
      }
    });

    it('reports instance id, version, uptime, readiness and chaos', async () => {
      const response = await fetch(`${admin.url}/admin/status`, { headers: auth });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        service: 'test-service',
        instanceId: 'test-1',
        version: '1.2.3',
        ready: true,
        chaos: { errorRate: 0, failReadiness: false },
      });
    });

    it('serves /metrics without a token', async () => {
      expect((await fetch(`${admin.url}/metrics`)).status).toBe(200);
    });

    it('rejects a bad chaos payload listing the bad fields, and changes nothing', async () => {
      const response = await fetch(`${admin.url}/admin/chaos`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ errorRate: 2, errorStatus: 200, latencyMs: -1, bogus: 1 }),
      });
      const { error } = await expectError(response, 400, 'validation_failed');
      const fields = (error.details as { field: string }[]).map((d) => d.field).sort();
      expect(fields).toEqual(['bogus', 'errorRate', 'errorStatus', 'latencyMs']);
      expect(ctx.chaos.active).toBe(false);
    });

    it('errorRate 1 fails business routes with errorStatus; health and admin keep working; DELETE clears it', async () => {
      const set = await fetch(`${admin.url}/admin/chaos`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ errorRate: 1, errorStatus: 502 }),
      });
      expect(set.status).toBe(200);
      await expectError(await fetch(`${api.url}/things/1`), 502, 'injected_fault');
      expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${admin.url}/admin/status`, { headers: auth })).status).toBe(200);

      const cleared = await fetch(`${admin.url}/admin/chaos`, { method: 'DELETE', headers: auth });
      expect(cleared.status).toBe(200);
      expect((await fetch(`${api.url}/things/1`)).status).toBe(200);
    });

    it('failReadiness makes /health/ready answer 503 while business routes still work', async () => {
      await fetch(`${admin.url}/admin/chaos`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ failReadiness: true }),
      });
      await expectError(await fetch(`${api.url}/health/ready`), 503, 'not_ready');
      expect((await fetch(`${api.url}/things/1`)).status).toBe(200);
    });
  });
});
