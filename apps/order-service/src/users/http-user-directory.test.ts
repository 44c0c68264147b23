import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamClient } from '@mesh/service-kit';
import { deadUrl, startFakeUserService } from '../../test/support/fake-user-service';
import type { FakeUserService } from '../../test/support/fake-user-service';
import { HttpUserDirectory } from './http-user-directory';
import { isUserServiceUnavailableError } from './user-directory';

const TIMEOUT_MS = 300;
let fake: FakeUserService;
const ada = { id: randomUUID(), name: 'Ada', email: 'ada@example.com' };

function directory(urls: string[]): HttpUserDirectory {
  return new HttpUserDirectory(
    new UpstreamClient({ service: 'user-service', urls, attemptTimeoutMs: TIMEOUT_MS }),
  );
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

describe('HttpUserDirectory', () => {
  it('answers the user user-service knows, forwarding the request id', async () => {
    expect(await directory([fake.url]).getUser(ada.id, { requestId: 'req-42' })).toEqual(ada);
    expect(fake.requests).toEqual([
      { method: 'GET', path: `/users/${ada.id}`, requestId: 'req-42' },
    ]);
  });

  it('answers null when user-service says the user does not exist', async () => {
    expect(await directory([fake.url]).getUser(randomUUID(), { requestId: 'r' })).toBeNull();
  });

  it('is unavailable, not "no such user", when the URL has no users route at all', async () => {
    fake.mode = 'no-route';
    await expect(directory([fake.url]).getUser(ada.id, { requestId: 'r' })).rejects.toSatisfy(
      isUserServiceUnavailableError,
    );
  });

  it.each([
    ['answers 500', 'fail'],
    ['answers a 200 that is not a user', 'garbage'],
    ['does not answer within the timeout', 'hang'],
  ] as const)('is unavailable when user-service %s', async (_label, mode) => {
    fake.mode = mode;
    const error = await directory([fake.url])
      .getUser(ada.id, { requestId: 'r' })
      .catch((e: unknown) => e);
    expect(isUserServiceUnavailableError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'upstream_unavailable', retryAfterMs: 1000 });
  });

  it('is unavailable when nothing listens at the URL', async () => {
    await expect(
      directory([await deadUrl()]).getUser(ada.id, { requestId: 'r' }),
    ).rejects.toSatisfy(isUserServiceUnavailableError);
  });

  it('moves on to the next instance when the first refuses the connection', async () => {
    expect(
      await directory([await deadUrl(), fake.url]).getUser(ada.id, { requestId: 'r' }),
    ).toEqual(ada);
  });

  it('passes the caller’s abort through as it is, not as unavailability', async () => {
    fake.mode = 'hang';
    const controller = new AbortController();
    const lookup = directory([fake.url]).getUser(ada.id, {
      requestId: 'r',
      signal: controller.signal,
    });
    controller.abort(new Error('client gone'));
    const error = await lookup.catch((e: unknown) => e);
    expect(isUserServiceUnavailableError(error)).toBe(false);
  });
});
