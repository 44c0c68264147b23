import type { Response, Router } from 'express';
import { z } from 'zod';
import { withFallback } from '@mesh/resilience';
import {
  HttpError,
  notFound,
  parseOrThrow,
  requestContext,
  requestDeadline,
} from '@mesh/service-kit';
import { pageQueryShape, toPage } from '@mesh/storage';
import {
  ATTR_MESH_DEGRADED,
  ATTR_MESH_IDEMPOTENCY_REPLAYED,
  ATTR_ORDER_ID,
  ATTR_USER_ID,
  setRequestAttributes,
} from '@mesh/telemetry';
import type { Logger } from '@mesh/telemetry';
import { clientGoneSignal } from './client-gone-signal';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from './idempotency-key';
import { createOrderSchema, orderTotal, requestHash } from './order';
import type { Order } from './order';
import type { OrderRepository } from './storage/order-repository';
import { isUserServiceUnavailableError } from './users/user-directory';
import type { UserDirectory } from './users/user-directory';

export interface OrderRoutesDeps {
  orders: OrderRepository;
  users: UserDirectory;
  logger: Logger;
  /** Milliseconds since the epoch, for `createdAt`. */
  now: () => number;
  /** A new order id (a UUID). */
  newId: () => string;
}

/** The `user` of an order read: found, deleted (null), or a stand-in while user-service cannot answer. */
type OrderUser =
  | { id: string; name: string; email: string }
  | { id: string; name: 'unknown'; fallback: true }
  | null;

const uuid = () => z.uuid().transform((id) => id.toLowerCase());
const orderIdParams = z.object({ id: uuid() });
const listQuery = z.strictObject({ userId: uuid(), ...pageQueryShape });

function keyReused(): HttpError {
  return new HttpError(
    'idempotency_key_reused',
    'this Idempotency-Key was already used with another request body',
    {
      details: [{ field: IDEMPOTENCY_KEY_HEADER, message: 'already used with another body' }],
    },
  );
}

function sendCreated(res: Response, order: Order, replayed: boolean): void {
  setRequestAttributes({
    [ATTR_ORDER_ID]: order.id,
    [ATTR_USER_ID]: order.userId,
    [ATTR_MESH_IDEMPOTENCY_REPLAYED]: replayed,
  });
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(201).location(`/orders/${order.id}`).json(order);
}

/** `POST /orders`, `GET /orders/:id` and `GET /orders?userId=` (the gateway adds the `/api` prefix). */
export function mountOrderRoutes(router: Router, deps: OrderRoutesDeps): void {
  router.post('/orders', async (req, res) => {
    const key = parseIdempotencyKey(req.get(IDEMPOTENCY_KEY_HEADER));
    const input = parseOrThrow(createOrderSchema, req.body);
    const idempotency = key === undefined ? undefined : { key, requestHash: requestHash(input) };

    // A retry of a request already done is answered from storage, without asking user-service again.
    if (idempotency) {
      const earlier = await deps.orders.findByIdempotencyKey(idempotency.key);
      if (earlier) {
        if (earlier.requestHash !== idempotency.requestHash) throw keyReused();
        sendCreated(res, earlier.order, true);
        return;
      }
    }

    const { requestId } = requestContext(res);
    const user = await deps.users.getUser(input.userId, {
      requestId,
      signal: clientGoneSignal(res),
      deadline: requestDeadline(res),
    });
    if (!user) {
      throw new HttpError('unknown_user', `user ${input.userId} does not exist`, {
        details: [{ field: 'userId', message: 'no such user' }],
      });
    }

    const order: Order = {
      id: deps.newId(),
      userId: input.userId,
      items: input.items,
      total: orderTotal(input.items),
      createdAt: new Date(deps.now()).toISOString(),
    };
    const result = await deps.orders.create(order, idempotency);
    if (result.outcome === 'key_reused') throw keyReused();
    sendCreated(res, result.order, result.outcome === 'replayed');
  });

  router.get('/orders/:id', async (req, res) => {
    const { id } = parseOrThrow(orderIdParams, req.params, 'params');
    const order = await deps.orders.findById(id);
    if (!order) throw notFound(`order ${id}`);
    setRequestAttributes({ [ATTR_ORDER_ID]: order.id, [ATTR_USER_ID]: order.userId });

    const { requestId } = requestContext(res);
    const user = await withFallback<OrderUser>(
      async () => {
        const found = await deps.users.getUser(order.userId, {
          requestId,
          signal: clientGoneSignal(res),
          deadline: requestDeadline(res),
        });
        return found && { id: found.id, name: found.name, email: found.email };
      },
      (error) => {
        // The order is ours and still worth answering: degrade the enrichment, say so in a header.
        deps.logger.warn('answering an order without its user: user-service unavailable', {
          err: error as Error,
          'http.request.id': requestId,
          [ATTR_ORDER_ID]: order.id,
        });
        res.setHeader('X-Degraded', 'user-service');
        setRequestAttributes({ [ATTR_MESH_DEGRADED]: true });
        return { id: order.userId, name: 'unknown', fallback: true };
      },
      { shouldFallback: isUserServiceUnavailableError, upstream: 'user-service' },
    );
    res.json({ ...order, user });
  });

  router.get('/orders', async (req, res) => {
    const { userId, limit, cursor } = parseOrThrow(listQuery, req.query, 'query');
    res.json(toPage(await deps.orders.listByUser(userId, { limit, after: cursor })));
  });
}
