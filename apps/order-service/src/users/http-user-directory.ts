import { z } from 'zod';
import { REQUEST_ID_HEADER } from '@mesh/service-kit';
import type { UpstreamCall, UpstreamResponse } from '@mesh/service-kit';
import { UserServiceUnavailableError } from './user-directory';
import type { DirectoryUser, UserDirectory, UserLookupOptions } from './user-directory';

const userBodySchema = z.object({ id: z.string(), name: z.string(), email: z.string() });

/** What the directory needs of its HTTP client: the resilient upstream in production. */
export interface UserServiceClient {
  request(call: UpstreamCall): Promise<UpstreamResponse>;
}

/** {@link UserDirectory} over user-service's `GET /users/:id`. */
export class HttpUserDirectory implements UserDirectory {
  readonly #client: UserServiceClient;

  constructor(client: UserServiceClient) {
    this.#client = client;
  }

  async getUser(id: string, options: UserLookupOptions): Promise<DirectoryUser | null> {
    let response;
    try {
      response = await this.#client.request({
        method: 'GET',
        path: `/users/${encodeURIComponent(id)}`,
        headers: { accept: 'application/json', [REQUEST_ID_HEADER]: options.requestId },
        signal: options.signal,
        deadline: options.deadline,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // The client's own errors already say what went wrong (timeout, unreachable, breaker open).
      const message = error instanceof Error ? error.message : 'user-service is unavailable';
      throw new UserServiceUnavailableError(message, { cause: error });
    }

    if (response.status === 404) {
      // A 404 for the route itself means a wrong USER_SERVICE_URLS, not a missing user.
      if (errorCode(response.body) !== 'route_not_found') return null;
      throw new UserServiceUnavailableError(
        'user-service has no GET /users/:id route at the registered URL',
      );
    }
    if (response.status !== 200) {
      throw new UserServiceUnavailableError(`user-service answered ${response.status}`);
    }
    const parsed = userBodySchema.safeParse(parseJson(response.body));
    if (!parsed.success) {
      throw new UserServiceUnavailableError('user-service answered an unreadable user');
    }
    const { id: userId, name, email } = parsed.data;
    return { id: userId, name, email };
  }
}

function errorCode(body: Buffer): unknown {
  const envelope = parseJson(body) as { error?: { code?: unknown } } | undefined;
  return envelope?.error?.code;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
