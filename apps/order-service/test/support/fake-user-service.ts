import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '@mesh/service-kit/testing';
import type { TestServer } from '@mesh/service-kit/testing';

export interface FakeUser {
  id: string;
  name: string;
  email: string;
}

/**
 * How the fake answers `GET /users/:id`: `normal` like user-service, `fail` with a 500 envelope,
 * `hang` never (until the server closes), `garbage` with a 200 that is not a user,
 * `no-route` like a server that has no such route (404 `route_not_found`). In every mode
 * `GET /health/ready` answers 200, so the caller's health checks keep it in rotation.
 */
export type FakeMode = 'normal' | 'fail' | 'hang' | 'garbage' | 'no-route';

export interface FakeUserService extends TestServer {
  mode: FakeMode;
  users: Map<string, FakeUser>;
  /** Every request received but the health checks: path and `X-Request-Id`. */
  requests: Array<{ method: string; path: string; requestId: string | undefined }>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A real HTTP server standing in for user-service, whose behaviour the test sets. */
export async function startFakeUserService(): Promise<FakeUserService> {
  const state = {
    mode: 'normal' as FakeMode,
    users: new Map<string, FakeUser>(),
    requests: [] as FakeUserService['requests'],
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (path === '/health/ready') {
      sendJson(res, 200, { status: 'ready' });
      return;
    }
    state.requests.push({
      method: req.method ?? '',
      path,
      requestId: req.headers['x-request-id'] as string | undefined,
    });
    const match = /^\/users\/([^/?]+)$/.exec(path);
    if (req.method !== 'GET' || !match || state.mode === 'no-route') {
      sendJson(res, 404, { error: { code: 'route_not_found', message: `no route for ${path}` } });
      return;
    }
    switch (state.mode) {
      case 'hang':
        return;
      case 'fail':
        sendJson(res, 500, { error: { code: 'internal_error', message: 'internal error' } });
        return;
      case 'garbage':
        sendJson(res, 200, { hello: 'world' });
        return;
      case 'normal': {
        const user = state.users.get(decodeURIComponent(match[1] as string));
        if (user) sendJson(res, 200, { ...user, createdAt: '2025-01-01T00:00:00.000Z' });
        else sendJson(res, 404, { error: { code: 'not_found', message: 'user not found' } });
      }
    }
  };
  const server = await listen(handler);
  return Object.assign(state, server);
}

/** A loopback URL where nothing listens (connections are refused). */
export async function deadUrl(): Promise<string> {
  const server = await listen((_req, res) => res.end());
  await server.close();
  return server.url;
}
