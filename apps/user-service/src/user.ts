import { z } from 'zod';
import { plainText } from '@mesh/service-kit';

/** A user as the API answers it. `createdAt` is an ISO 8601 timestamp in UTC. */
export interface User {
  id: string;
  name: string;
  email: string;
  createdAt: string;
}

/**
 * The body of `POST /users`: unknown fields are rejected, the name trimmed and free of control
 * characters, the email lower-cased.
 */
export const createUserSchema = z.strictObject({
  name: plainText().trim().min(1).max(200),
  email: z
    .email()
    .max(254)
    .transform((email) => email.toLowerCase()),
});

export type CreateUserInput = z.infer<typeof createUserSchema>;
