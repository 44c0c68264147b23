import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  decodeTraceRequests,
  requirePostgres,
  SPAN_KIND_CLIENT,
  SPAN_KIND_SERVER,
  startCaptureServer,
  startPostgres,
  waitFor,
} from '@mesh/testing';
import type { CaptureServer, ExportedSpan, PostgresServer } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { accessLines } from '../src/traffic';

const json = { 'content-type': 'application/json' };
const ITEMS = [
  { sku: 'PG-BOOK', quantity: 2, unitPrice: 1250 },
  { sku: 'PG-PEN', quantity: 3, unitPrice: 99 },
];
const TOTAL = 2 * 1250 + 3 * 99;

interface OrderBody {
  id: string;
  userId: string;
  total: number;
  items: unknown[];
}

/** Runs one query on a connection of its own (the tests stop the server under the services). */
async function query<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const countOf = async (url: string, sql: string, params: unknown[] = []) =>
  Number((await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${sql}`, params))[0]?.n);

describe.skipIf(requirePostgres() === undefined)('the mesh on PostgreSQL (--database)', () => {
  let pg: PostgresServer;
  let receiver: CaptureServer;
  let mesh: RunningMesh;
  /** Every order the tests saw created (201), read back after the restart of every service. */
  const created: OrderBody[] = [];

  const api = (path: string, init?: RequestInit) =>
    fetch(`${mesh.gateway}/api${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api(path, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });

  async function createUser(): Promise<string> {
    const response = await post('/users', {
      name: 'Edgar Codd',
      email: `codd-${randomUUID()}@example.com`,
    });
    if (response.status !== 201)
      throw new Error(`user: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  }

  /** A user created through the gateway once the whole mesh routes (health checks have caught up). */
  async function userWhenRouting(): Promise<string> {
    return waitFor(() => createUser().catch(() => undefined), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'a user created through the gateway',
    });
  }

  beforeAll(async () => {
    pg = await startPostgres();
    receiver = await startCaptureServer();
    mesh = await startMesh({
      args: ['--database', pg.url],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
    await receiver?.close();
    await pg?.destroy();
  });

  it('keeps each service in its own schema, migrated once although two instances started together', async () => {
    for (const schema of ['user_service', 'order_service']) {
      const versions = await query<{ version: number; n: string }>(
        pg.url,
        `SELECT version, count(*) AS n FROM ${schema}.schema_migrations GROUP BY version`,
      );
      expect(versions.length).toBeGreaterThan(0);
      expect(versions.every((v) => v.n === '1')).toBe(true);
    }
    const tables = await query<{ schemaname: string; tablename: string }>(
      pg.url,
      `SELECT schemaname, tablename FROM pg_tables
       WHERE schemaname IN ('public', 'user_service', 'order_service') ORDER BY 1, 2`,
    );
    expect(tables.map((t) => `${t.schemaname}.${t.tablename}`)).toEqual([
      'order_service.idempotency_keys',
      'order_service.order_items',
      'order_service.orders',
      'order_service.schema_migrations',
      'user_service.schema_migrations',
      'user_service.users',
    ]);
  });

  it(
    '50 concurrent POST /api/orders with one Idempotency-Key, over both order-service ' +
      'instances, store one order and answer all 50 with it',
    async () => {
      const userId = await userWhenRouting();
      const key = `race-${randomUUID()}`;
      const served = (instance: string) => accessLines(mesh, instance, 'POST', '/orders').length;
      const before = [served('order-service-1'), served('order-service-2')];

      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          post('/orders', { userId, items: ITEMS }, { 'Idempotency-Key': key }),
        ),
      );
      const elapsedMs = performance.now() - started;
      const bodies = await Promise.all(answers.map((a) => a.json() as Promise<OrderBody>));
      console.log(
        `50 concurrent POST /api/orders with one key answered in ${elapsedMs.toFixed(0)} ms`,
      );

      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
      const ids = new Set(bodies.map((b) => b.id));
      expect(ids.size).toBe(1);
      expect(bodies[0]).toMatchObject({ userId, total: TOTAL });
      // Exactly one answer stored the order; the 49 others replayed it.
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(
        1,
      );
      created.push(bodies[0] as OrderBody);

      expect(await countOf(pg.url, 'order_service.orders WHERE user_id = $1', [userId])).toBe(1);
      expect(await countOf(pg.url, 'order_service.idempotency_keys WHERE key = $1', [key])).toBe(1);
      expect(
        await countOf(pg.url, 'order_service.order_items WHERE order_id = $1', [bodies[0]?.id]),
      ).toBe(ITEMS.length);

      // Both instances took part (the gateway balances over them).
      const after = await waitFor(
        () => {
          const now = [served('order-service-1'), served('order-service-2')];
          return (now[0] as number) +
            (now[1] as number) -
            (before[0] as number) -
            (before[1] as number) >=
            50
            ? now
            : undefined;
        },
        { what: 'access-log lines of the 50 POSTs' },
      );
      expect((after[0] as number) - (before[0] as number)).toBeGreaterThan(0);
      expect((after[1] as number) - (before[1] as number)).toBeGreaterThan(0);
    },
  );

  it('a trace of POST /api/orders holds order-service’s pg query spans under its server span', async () => {
    const userId = await userWhenRouting();
    const response = await post(
      '/orders',
      { userId, items: ITEMS },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(response.status).toBe(201);
    created.push((await response.json()) as OrderBody);
    const traceId = (response.headers.get('traceresponse') ?? '').split('-')[1] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const isPg = (s: ExportedSpan) => s.scope === '@opentelemetry/instrumentation-pg';
    const service = (s: ExportedSpan) => s.resource['service.name'];
    const spans = await waitFor(
      () => {
        const inTrace = decodeTraceRequests(receiver.requests).filter((s) => s.traceId === traceId);
        const inserts = inTrace.filter(
          (s) =>
            isPg(s) &&
            service(s) === 'order-service' &&
            /INSERT/i.test(s.name + JSON.stringify(s.attributes)),
        );
        const server = inTrace.some(
          (s) => s.kind === SPAN_KIND_SERVER && service(s) === 'order-service',
        );
        return server && inserts.length > 0 ? inTrace : undefined;
      },
      { timeoutMs: 20_000, what: `order-service pg INSERT spans in trace ${traceId}` },
    );

    const orderServer = spans.find(
      (s) => s.kind === SPAN_KIND_SERVER && service(s) === 'order-service',
    ) as ExportedSpan;
    const pgSpans = spans.filter((s) => isPg(s) && service(s) === 'order-service');
    const queries = pgSpans.filter(
      (s) => s.kind === SPAN_KIND_CLIENT && s.name.startsWith('pg.query'),
    );
    expect(queries.length).toBeGreaterThan(0);
    for (const span of queries) {
      expect(span.attributes['db.system.name'] ?? span.attributes['db.system']).toBe('postgresql');
    }
    const texts = queries.map((s) =>
      String(s.attributes['db.query.text'] ?? s.attributes['db.statement']),
    );
    expect(texts.some((t) => /INSERT INTO idempotency_keys/.test(t))).toBe(true);
    expect(texts.some((t) => /INSERT INTO orders/.test(t))).toBe(true);
    // Every database span belongs to this request: its parents lead to order-service's server span.
    const descends = (span: ExportedSpan): boolean => {
      let current: ExportedSpan | undefined = span;
      while (current) {
        if (current.spanId === orderServer.spanId) return true;
        const parent: string | undefined = current.parentSpanId;
        current = spans.find((s) => s.spanId === parent);
      }
      return false;
    };
    expect(pgSpans.every(descends)).toBe(true);
  });

  it(
    'stopping PostgreSQL mid-traffic answers 503 (database_unavailable at the services), never ' +
      '500, writes nothing half; started again, every instance is ready again without a restart',
    { timeout: 180_000 },
    async () => {
      const userId = await userWhenRouting();
      const results: { key: string; status: number; code?: string; id?: string }[] = [];
      let running = true;
      // Two loops a little apart stay under the gateway's rate limit, so every answer is about storage.
      const loops = Array.from({ length: 2 }, async () => {
        while (running && results.length < 4000) {
          const key = randomUUID();
          try {
            const response = await post(
              '/orders',
              { userId, items: ITEMS },
              { 'Idempotency-Key': key },
            );
            const body = (await response.json()) as Partial<OrderBody> & {
              error?: { code: string };
            };
            results.push({ key, status: response.status, code: body.error?.code, id: body.id });
          } catch (error) {
            results.push({ key, status: 0, code: String(error) });
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      });
      const succeeded = () => results.filter((r) => r.status === 201).length;
      const orderService = mesh.instance('order-service-1');
      const userService = mesh.instance('user-service-1');
      const ready = async (url: string) =>
        (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })).status === 200;

      try {
        await waitFor(() => (succeeded() >= 10 ? true : undefined), { what: '10 orders stored' });
        await pg.stop();

        // Readiness follows the database, on every instance that has one.
        await waitFor(async () => ((await ready(orderService.url)) ? undefined : true), {
          what: 'order-service-1 not ready',
        });
        await waitFor(async () => ((await ready(userService.url)) ? undefined : true), {
          what: 'user-service-1 not ready',
        });
        // Asked directly, the services name the cause and say when to retry.
        const direct = await fetch(`${orderService.url}/orders/${randomUUID()}`);
        expect(direct.status).toBe(503);
        expect(direct.headers.get('retry-after')).toBe('1');
        expect(((await direct.json()) as { error: { code: string } }).error.code).toBe(
          'database_unavailable',
        );
        const directUser = await fetch(`${userService.url}/users`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ name: 'Nobody', email: `nobody-${randomUUID()}@example.com` }),
        });
        expect(directUser.status).toBe(503);
        expect(((await directUser.json()) as { error: { code: string } }).error.code).toBe(
          'database_unavailable',
        );
        await waitFor(
          () => (results.filter((r) => r.status === 503).length >= 10 ? true : undefined),
          { what: '10 answers 503 through the gateway' },
        );

        await pg.start();
        for (const instance of mesh.instances.filter((i) => i.service !== 'gateway')) {
          await waitFor(async () => ((await ready(instance.url)) ? true : undefined), {
            timeoutMs: 30_000,
            what: `${instance.name} ready again`,
          });
          // Still the process the launcher started: it recovered, nobody restarted it.
          expect(isAlive(instance.pid as number)).toBe(true);
        }
        const okAfterRestart = succeeded();
        await waitFor(() => (succeeded() > okAfterRestart + 5 ? true : undefined), {
          timeoutMs: 30_000,
          what: 'orders stored again through the gateway',
        });
      } finally {
        running = false;
        await Promise.all(loops);
      }

      const byStatus: Record<string, number> = {};
      for (const r of results)
        byStatus[`${r.status} ${r.code ?? ''}`.trim()] =
          (byStatus[`${r.status} ${r.code ?? ''}`.trim()] ?? 0) + 1;
      console.log(`answers while PostgreSQL stopped and started: ${JSON.stringify(byStatus)}`);
      expect(results.filter((r) => r.status !== 201 && r.status !== 503)).toEqual([]);

      // Nothing half-written: every order has all its items and the total they add up to, every
      // key its order; every 201 is stored under its key.
      expect(
        await countOf(
          pg.url,
          `order_service.orders o WHERE o.total IS DISTINCT FROM
             (SELECT sum(quantity * unit_price) FROM order_service.order_items i WHERE i.order_id = o.id)
           OR (SELECT count(*) FROM order_service.order_items i WHERE i.order_id = o.id) <> $1`,
          [ITEMS.length],
        ),
      ).toBe(0);
      const stored = await query<{ key: string; order_id: string }>(
        pg.url,
        'SELECT key, order_id FROM order_service.idempotency_keys WHERE key = ANY($1)',
        [results.map((r) => r.key)],
      );
      const storedByKey = new Map(stored.map((s) => [s.key, s.order_id]));
      for (const r of results.filter((x) => x.status === 201))
        expect(storedByKey.get(r.key)).toBe(r.id);
      expect(await countOf(pg.url, 'order_service.orders WHERE user_id = $1', [userId])).toBe(
        stored.length,
      );
      const last = results.filter((r) => r.status === 201).at(-1) as { id: string };
      created.push({ id: last.id, userId, total: TOTAL, items: ITEMS });
    },
  );

  it('orders and users survive a restart of every service', async () => {
    expect(created.length).toBeGreaterThanOrEqual(3);
    await mesh.stop();
    // A new mesh: new processes, new data and log directories, the same database.
    mesh = await startMesh({ args: ['--database', pg.url] });
    await userWhenRouting();
    for (const order of created) {
      const read = await api(`/orders/${order.id}`);
      expect(read.status).toBe(200);
      const body = (await read.json()) as OrderBody & { user: { id: string; name: string } };
      expect(body).toMatchObject({ id: order.id, userId: order.userId, total: TOTAL });
      expect(body.items).toEqual(ITEMS);
      expect(body.user).toMatchObject({ id: order.userId, name: 'Edgar Codd' });
    }
  });
});

describe.skipIf(requirePostgres() === undefined)('infra/postgres init script', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it('creates a database and a role per service; each role reaches only its own database', async () => {
    const admin = new URL(pg.url);
    const passwords = {
      user: randomBytes(8).toString('hex'),
      order: randomBytes(8).toString('hex'),
    };
    await new Promise<void>((resolve, reject) => {
      execFile(
        'bash',
        [join(repoRoot, 'infra', 'postgres', 'init', '10-service-databases.sh')],
        {
          env: {
            ...process.env,
            PGHOST: admin.hostname,
            PGPORT: admin.port,
            PGPASSWORD: admin.password,
            POSTGRES_USER: admin.username,
            POSTGRES_DB: admin.pathname.slice(1),
            USER_SERVICE_DB_PASSWORD: passwords.user,
            ORDER_SERVICE_DB_PASSWORD: passwords.order,
          },
        },
        (error, _stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
      );
    });

    const url = (role: string, password: string, database: string) =>
      `postgres://${role}:${password}@${admin.host}/${database}`;
    // Each owner may create its service's schema in its own database…
    await query(url('user_service', passwords.user, 'users'), 'CREATE SCHEMA user_service');
    await query(url('order_service', passwords.order, 'orders'), 'CREATE SCHEMA order_service');
    // …and cannot even connect to the other's, nor log in with a wrong password.
    await expect(query(url('user_service', passwords.user, 'orders'), 'SELECT 1')).rejects.toThrow(
      /permission denied for database "orders"/,
    );
    await expect(query(url('order_service', passwords.order, 'users'), 'SELECT 1')).rejects.toThrow(
      /permission denied for database "users"/,
    );
    await expect(query(url('order_service', 'wrong', 'orders'), 'SELECT 1')).rejects.toThrow(
      /password authentication failed/,
    );
  });
});
