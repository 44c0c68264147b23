import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadUrl, startFakeUserService } from '../../test/support/fake-user-service';
import type { FakeUserService } from '../../test/support/fake-user-service';
import { staticUpstream } from '@mesh/service-kit/testing';
import type { StaticUpstream } from '@mesh/service-kit/testing';
import { HttpUserDirectory } from './http-user-directory';
import { isUserServiceUnavailableError } from './user-directory';

const TIMEOUT_MS = 300;
let fake: FakeUserService;
const ada = { id: randomUUID(), name: 'Ada', email: 'ada@example.com' };
const upstreams: StaticUpstream[] = [];

/** The directory over a real resilient upstream calling `urls`; `env` as {@link staticUpstream}. */
async function directory(
  urls: string[],
  env: Record<string, string> = {},
): Promise<HttpUserDirectory> {
  const upstream = await staticUpstream('user-service', urls, {
    ATTEMPT_TIMEOUT_MS: String(TIMEOUT_MS),
    ...env,
  });
  upstreams.push(upstream);
  return new HttpUserDirectory(upstream.client);
}

beforeAll(async () => {
  fake = await startFakeUserService();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.mode = 'normal';
  fake.users = new Map([[ada.id, ada]]);
  fake.requests.length = 0;
});
afterEach(async () => {
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

describe('HttpUserDirectory', () => {
  it('answers the user user-service knows, forwarding the request id', async () => {
    const users = await directory([fake.url]);
    expect(await users.getUser(ada.id, { requestId: 'req-42' })).toEqual(ada);
    expect(fake.requests).toEqual([
      { method: 'GET', path: `/users/${ada.id}`, requestId: 'req-42' },
    ]);
  });

  it('answers null when user-service says the user does not exist', async () => {
    const users = await directory([fake.url]);
    expect(await users.getUser(randomUUID(), { requestId: 'r' })).toBeNull();
  });

  it('is unavailable, not "no such user", when the URL has no users route at all', async () => {
    fake.mode = 'no-route';
    const users = await directory([fake.url]);
    await expect(users.getUser(ada.id, { requestId: 'r' })).rejects.toSatisfy(
      isUserServiceUnavailableError,
    );
  });

  it.each([
    ['answers 500', 'fail'],
    ['answers a 200 that is not a user', 'garbage'],
    ['does not answer within the timeout', 'hang'],
  ] as const)('is unavailable when user-service %s', async (_label, mode) => {
    fake.mode = mode;
    const users = await directory([fake.url]);
    const error = await users.getUser(ada.id, { requestId: 'r' }).catch((e: unknown) => e);
    expect(isUserServiceUnavailableError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'upstream_unavailable', retryAfterMs: 1000 });
  });

  it('is unavailable when nothing listens at the URL', async () => {
    const users = await directory([await deadUrl()]);
    await expect(users.getUser(ada.id, { requestId: 'r' })).rejects.toSatisfy(
      isUserServiceUnavailableError,
    );
  });

  it('moves on to the next instance when the first refuses the connection', async () => {
    // Round robin puts the dead instance (listed first) first in line.
    const users = await directory([await deadUrl(), fake.url], { BALANCER: 'round-robin' });
    expect(await users.getUser(ada.id, { requestId: 'r' })).toEqual(ada);
  });

  it('passes the caller’s abort through as it is, not as unavailability', async () => {
    fake.mode = 'hang';
    const users = await directory([fake.url]);
    const controller = new AbortController();
    const lookup = users.getUser(ada.id, { requestId: 'r', signal: controller.signal });
    controller.abort(new Error('client gone'));
    const error = await lookup.catch((e: unknown) => e);
    expect(isUserServiceUnavailableError(error)).toBe(false);
  });
});
