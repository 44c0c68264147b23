import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import type { SeedData } from './seed';
import { newOrderBody, newUserBody } from './seed';

/** The request mixes `npm run load` knows. */
export const PROFILE_NAMES = ['steady', 'spike'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** What a profile does by default. */
export interface ProfileDefaults {
  /** Requests per second over all connections. */
  rate: number;
  connections: number;
  durationMs: number;
  /** Users (each with one order) created before the load starts. */
  seedUsers: number;
  description: string;
}

export const PROFILES: Record<ProfileName, ProfileDefaults> = {
  steady: {
    rate: 20,
    connections: 4,
    durationMs: 30_000,
    seedUsers: 3,
    description:
      'a realistic mix well under the rate limit: per 10 requests 1 user created, 2 orders created ' +
      'with an Idempotency-Key (one of them a client retry of the other), 5 order reads, 1 list of ' +
      "a user's orders, 1 user read",
  },
  spike: {
    rate: 400,
    connections: 40,
    durationMs: 10_000,
    seedUsers: 1,
    description:
      'reads only, at 4x the gateway default rate limit (RATE_LIMIT_RPS=100, burst 200): most ' +
      'answers past the burst are 429s',
  },
};

/** A request of the mix and the route it counts under. */
export type ProfileRequest = autocannon.Request & { route: string };

/** What a profile's requests remember within one pass over the mix (autocannon's per-connection context). */
interface MixContext {
  userId?: string;
  orderId?: string;
  orderBody?: string;
  idempotencyKey?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function pick(ids: readonly string[]): string {
  return ids[Math.floor(Math.random() * ids.length)] as string;
}

function idOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The requests of one pass over a profile's mix; autocannon loops over them on every connection.
 * A request that needs an id created earlier in the pass falls back to a seeded one when that
 * creation failed (a 429, a 503), so every request of the mix stays valid.
 */
export function profileRequests(name: ProfileName, seeded: SeedData): ProfileRequest[] {
  const readOrder = (which: 'own' | 'seeded'): ProfileRequest => ({
    route: 'GET /api/orders/:id',
    method: 'GET',
    setupRequest: (request, context) => {
      const ctx = context as MixContext;
      const id = which === 'own' ? (ctx.orderId ?? pick(seeded.orderIds)) : pick(seeded.orderIds);
      return { ...request, path: `/api/orders/${id}` };
    },
  });
  const readUser: ProfileRequest = {
    route: 'GET /api/users/:id',
    method: 'GET',
    setupRequest: (request, context) => ({
      ...request,
      path: `/api/users/${(context as MixContext).userId ?? pick(seeded.userIds)}`,
    }),
  };
  const listOrders: ProfileRequest = {
    route: 'GET /api/orders?userId=',
    method: 'GET',
    setupRequest: (request, context) => ({
      ...request,
      path: `/api/orders?userId=${(context as MixContext).userId ?? pick(seeded.userIds)}`,
    }),
  };
  if (name === 'spike') return [readOrder('seeded'), readUser, listOrders];

  return [
    {
      route: 'POST /api/users',
      method: 'POST',
      path: '/api/users',
      headers: JSON_HEADERS,
      setupRequest: (request) => ({ ...request, body: newUserBody() }),
      onResponse: (status, body, context) => {
        if (status === 201) (context as MixContext).userId = idOf(body);
      },
    },
    {
      route: 'POST /api/orders',
      method: 'POST',
      path: '/api/orders',
      setupRequest: (request, context) => {
        const ctx = context as MixContext;
        ctx.idempotencyKey = `load-${randomUUID()}`;
        ctx.orderBody = newOrderBody(ctx.userId ?? pick(seeded.userIds));
        return {
          ...request,
          headers: { ...JSON_HEADERS, 'idempotency-key': ctx.idempotencyKey },
          body: ctx.orderBody,
        };
      },
      onResponse: (status, body, context) => {
        if (status === 201) (context as MixContext).orderId = idOf(body);
      },
    },
    readOrder('own'),
    readOrder('seeded'),
    listOrders,
    {
      // A client that did not see the answer retries with the same key: the mesh replays the order.
      route: 'POST /api/orders',
      method: 'POST',
      path: '/api/orders',
      setupRequest: (request, context) => {
        const ctx = context as MixContext;
        return {
          ...request,
          headers: {
            ...JSON_HEADERS,
            'idempotency-key': ctx.idempotencyKey ?? `load-${randomUUID()}`,
          },
          body: ctx.orderBody ?? newOrderBody(pick(seeded.userIds)),
        };
      },
    },
    readUser,
    readOrder('own'),
    readOrder('seeded'),
    readOrder('own'),
  ];
}
