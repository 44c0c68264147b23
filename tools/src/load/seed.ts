import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { ResponseTally } from './response-tally';
import { hasDegradedHeader } from './response-tally';

/** Users and orders created before the load starts, so every request of the mix has ids to use. */
export interface SeedData {
  userIds: string[];
  orderIds: string[];
}

/** The load could not start: the target did not let it create what the mix needs. */
export class SeedError extends Error {
  override readonly name = 'SeedError';
}

export interface SeedOptions {
  target: string;
  /** Users (and one order each) to create. */
  users: number;
  tally: ResponseTally;
  /** Called once per request sent, answered or not. */
  onSent: () => void;
  /** Called for a request that got no answer (timeout, connection error). */
  onNoAnswer: () => void;
  /** Per request, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A user for the load: unique email, so creating one never conflicts. */
export function newUserBody(): string {
  const id = randomUUID();
  return JSON.stringify({ name: `Load ${id.slice(0, 8)}`, email: `load-${id}@example.com` });
}

/** An order of one or two lines for `userId`. */
export function newOrderBody(userId: string): string {
  const quantity = 1 + Math.floor(Math.random() * 3);
  const items = [{ sku: 'BOOK-1', quantity, unitPrice: 1250 }];
  if (Math.random() < 0.5) items.push({ sku: 'PEN-2', quantity: 1, unitPrice: 199 });
  return JSON.stringify({ userId, items });
}

/**
 * Creates `users` users and an order for each through the gateway (undici; each request counted
 * in the tally like the load's own). A 429 or 5xx is retried a few times after a pause.
 */
export async function seed(options: SeedOptions): Promise<SeedData> {
  const data: SeedData = { userIds: [], orderIds: [] };
  const post = async (route: string, path: string, body: string, headers = {}) => {
    let last = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) await sleep(200 * attempt, undefined, { signal: options.signal });
      options.onSent();
      try {
        const response = await request(new URL(path, options.target), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          signal: AbortSignal.any([
            AbortSignal.timeout(options.timeoutMs),
            ...(options.signal ? [options.signal] : []),
          ]),
        });
        const text = await response.body.text();
        options.tally.record(
          route,
          response.statusCode,
          hasDegradedHeader(response.headers as Record<string, unknown>),
        );
        if (response.statusCode === 201) return (JSON.parse(text) as { id: string }).id;
        last = `${response.statusCode} ${text.slice(0, 200)}`;
        if (response.statusCode !== 429 && response.statusCode < 500) break;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        options.onNoAnswer();
        last = (error as Error).message;
      }
    }
    throw new SeedError(`could not seed the load: ${route} on ${options.target} answered ${last}`);
  };
  for (let i = 0; i < options.users; i++) {
    const userId = await post('POST /api/users', '/api/users', newUserBody());
    data.userIds.push(userId);
    data.orderIds.push(
      await post('POST /api/orders', '/api/orders', newOrderBody(userId), {
        'idempotency-key': `load-seed-${randomUUID()}`,
      }),
    );
  }
  return data;
}
