import type { Router } from 'express';
import { z } from 'zod';
import { HttpError, notFound, parseOrThrow } from '@mesh/service-kit';
import { pageQueryShape, toPage } from '@mesh/storage';
import { ATTR_USER_ID, setRequestAttributes } from '@mesh/telemetry';
import { isDuplicateEmailError } from './storage/user-repository';
import type { UserRepository } from './storage/user-repository';
import type { User } from './user';
import { createUserSchema } from './user';

export interface UserRoutesDeps {
  users: UserRepository;
  /** Milliseconds since the epoch, for `createdAt`. */
  now: () => number;
  /** A new user id (a UUID). */
  newId: () => string;
}

const userIdParams = z.object({ id: z.uuid().transform((id) => id.toLowerCase()) });
const listQuery = z.strictObject(pageQueryShape);

/** `POST /users`, `GET /users/:id` and `GET /users` (the gateway adds the `/api` prefix). */
export function mountUserRoutes(router: Router, deps: UserRoutesDeps): void {
  router.post('/users', async (req, res) => {
    const input = parseOrThrow(createUserSchema, req.body);
    const user: User = {
      id: deps.newId(),
      name: input.name,
      email: input.email,
      createdAt: new Date(deps.now()).toISOString(),
    };
    try {
      await deps.users.insert(user);
    } catch (error) {
      if (isDuplicateEmailError(error)) {
        throw new HttpError('conflict', 'a user with this email already exists', {
          cause: error,
          details: [{ field: 'email', message: 'already registered' }],
        });
      }
      throw error;
    }
    setRequestAttributes({ [ATTR_USER_ID]: user.id });
    res.status(201).location(`/users/${user.id}`).json(user);
  });

  router.get('/users/:id', async (req, res) => {
    const { id } = parseOrThrow(userIdParams, req.params, 'params');
    const user = await deps.users.findById(id);
    setRequestAttributes({ [ATTR_USER_ID]: id });
    if (!user) throw notFound(`user ${id}`);
    res.json(user);
  });

  router.get('/users', async (req, res) => {
    const { limit, cursor } = parseOrThrow(listQuery, req.query, 'query');
    res.json(toPage(await deps.users.list({ limit, after: cursor })));
  });
}
