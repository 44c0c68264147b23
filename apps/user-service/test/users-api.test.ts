import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaosController, Readiness } from '@mesh/service-kit';
import { detailFields, expectError, listen, testLogger } from '@mesh/service-kit/testing';
import type { TestServer } from '@mesh/service-kit/testing';
import { encodeCursor } from '@mesh/storage';
import { createApp } from '../src/app';
import { SqliteUserRepository } from '../src/storage/sqlite-user-repository';
import type { User } from '../src/user';

const BODY_LIMIT_BYTES = 2048;
const dir = mkdtempSync(join(tmpdir(), 'user-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let users: SqliteUserRepository;
let server: TestServer;
let logs: ReturnType<typeof testLogger>;

beforeEach(async () => {
  users = SqliteUserRepository.open({ path: join(dir, `${randomUUID()}.db`) });
  logs = testLogger();
  const app = createApp({
    logger: logs.logger,
    readiness: new Readiness(),
    chaos: new ChaosController(),
    bodyLimitBytes: BODY_LIMIT_BYTES,
    users,
  });
  server = await listen(app);
});
afterEach(async () => {
  await server.close();
  await users.close();
});

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const get = (path: string) => fetch(`${server.url}${path}`);

async function createUser(name: string, email: string): Promise<User> {
  const response = await post('/users', { name, email });
  expect(response.status).toBe(201);
  return (await response.json()) as User;
}

describe('POST /users', () => {
  it('creates a user: 201, Location of the new user, email lower-cased and name trimmed', async () => {
    const response = await post('/users', { name: '  Ada Lovelace ', email: 'Ada@Example.COM' });
    expect(response.status).toBe(201);
    const user = (await response.json()) as User;
    expect(user).toEqual({
      id: expect.stringMatching(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/),
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      createdAt: expect.any(String),
    });
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
    expect(response.headers.get('location')).toBe(`/users/${user.id}`);

    const read = await get(`/users/${user.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(user);
  });

  it('answers 409 conflict for an email already registered, whatever its case', async () => {
    await createUser('Ada', 'ada@example.com');
    const body = await expectError(
      await post('/users', { name: 'Other Ada', email: 'ADA@example.com' }),
      409,
      'conflict',
    );
    expect(detailFields(body)).toEqual(['email']);
    expect((await users.list({ limit: 10 })).items).toHaveLength(1);
  });
});

describe('GET /users/:id', () => {
  it('answers 404 not_found for a well-formed id nobody has', async () => {
    await expectError(await get(`/users/${randomUUID()}`), 404, 'not_found');
  });

  it('answers 400 naming the id when the id is not a UUID', async () => {
    const body = await expectError(await get('/users/not-a-uuid'), 400, 'validation_failed');
    expect(detailFields(body)).toEqual(['id']);
  });

  it('finds a user by its id written in upper case', async () => {
    const user = await createUser('Ada', 'ada@example.com');
    const read = await get(`/users/${user.id.toUpperCase()}`);
    expect(await read.json()).toEqual(user);
  });
});

describe('GET /users', () => {
  it('walks every user exactly once through the cursors, then answers nextCursor null', async () => {
    const created: User[] = [];
    for (let i = 0; i < 23; i++)
      created.push(await createUser(`User ${i}`, `user${i}@example.com`));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`/users?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: User[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages <= 10);

    expect(cursor).toBeNull();
    expect(seen).toEqual(created.map((u) => u.id));
    expect(pages).toBe(5);
  });

  it('answers 20 users when no limit is given', async () => {
    for (let i = 0; i < 21; i++) await createUser(`User ${i}`, `user${i}@example.com`);
    const page = (await (await get('/users')).json()) as {
      items: User[];
      nextCursor: string | null;
    };
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).not.toBeNull();
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('-1').toString('base64url')}`, 'cursor'],
    ['sort=name', 'sort'],
  ])('answers 400 for the query %s, naming %s', async (query, field) => {
    const body = await expectError(await get(`/users?${query}`), 400, 'validation_failed');
    expect(detailFields(body)).toEqual([field]);
  });

  it('accepts a cursor it issued', async () => {
    expect((await get(`/users?cursor=${encodeCursor(3)}`)).status).toBe(200);
  });
});

describe('bad input is answered with a 4xx envelope, never a 5xx', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    await expectError(await post('/users', '{"name": "Ada",'), 400, 'invalid_json');
  });

  it('wrong types → 400 listing both fields', async () => {
    const body = await expectError(
      await post('/users', { name: 42, email: ['a@b.co'] }),
      400,
      'validation_failed',
    );
    expect(detailFields(body).sort()).toEqual(['email', 'name']);
  });

  it('missing fields → 400 listing both fields', async () => {
    const body = await expectError(await post('/users', {}), 400, 'validation_failed');
    expect(detailFields(body).sort()).toEqual(['email', 'name']);
  });

  it('no body at all → 400 naming the body', async () => {
    const response = await fetch(`${server.url}/users`, { method: 'POST' });
    const body = await expectError(response, 400, 'validation_failed');
    expect(detailFields(body)).toEqual(['body']);
  });

  it('unknown fields → 400 listing each of them', async () => {
    const body = await expectError(
      await post('/users', { name: 'Ada', email: 'ada@example.com', role: 'admin', id: 'x' }),
      400,
      'validation_failed',
    );
    expect(detailFields(body).sort()).toEqual(['id', 'role']);
  });

  it.each(['not-an-email', 'ada@', '@example.com', 'ada@example'])(
    'a bad email (%s) → 400 naming email',
    async (email) => {
      const body = await expectError(
        await post('/users', { name: 'Ada', email }),
        400,
        'validation_failed',
      );
      expect(detailFields(body)).toEqual(['email']);
    },
  );

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['201 characters', 'x'.repeat(201)],
    ['NUL and BEL', '\u0000\u0007'],
    ['NUL inside a word', 'Ada\u0000Lovelace'],
    ['with a newline inside', 'Ada\nLovelace'],
    ['ending in DEL', 'Ada\u007f'],
    ['ending in a C1 control', 'Ada\u0085'],
  ])('a name that is %s → 400 naming name', async (_label, name) => {
    const body = await expectError(
      await post('/users', { name, email: 'ada@example.com' }),
      400,
      'validation_failed',
    );
    expect(detailFields(body)).toEqual(['name']);
  });

  it('a body over the limit → 413 payload_too_large', async () => {
    const name = 'x'.repeat(BODY_LIMIT_BYTES + 1);
    await expectError(
      await post('/users', { name, email: 'ada@example.com' }),
      413,
      'payload_too_large',
    );
  });

  it('a body that is not JSON → 415 unsupported_media_type', async () => {
    await expectError(
      await post('/users', 'name=Ada&email=ada@example.com', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
      'unsupported_media_type',
    );
  });

  it('an unknown route → 404 route_not_found', async () => {
    await expectError(await get('/api/users'), 404, 'route_not_found');
    await expectError(
      await fetch(`${server.url}/users/${randomUUID()}`, { method: 'DELETE' }),
      404,
      'route_not_found',
    );
  });

  it('none of the above logged an error', async () => {
    await post('/users', '{');
    await post('/users', { nope: true });
    await get('/users/nope');
    expect(logs.lines().filter((line) => line['log.level'] === 'error')).toEqual([]);
  });
});

describe('when the database is gone', () => {
  it('answers 503 database_unavailable with Retry-After, and no stack trace', async () => {
    await users.close();
    const response = await get(`/users/${randomUUID()}`);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = await expectError(response, 503, 'database_unavailable');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts/);
  });
});
