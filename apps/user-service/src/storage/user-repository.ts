import type { KeysetPage } from '@mesh/storage';
import type { User } from '../user';

/** Where users live. Implementations: {@link SqliteUserRepository} and {@link PgUserRepository}, one contract. */
export interface UserRepository {
  /** Stores a new user; rejects with {@link DuplicateEmailError} when the email is taken. */
  insert(user: User): Promise<void>;
  findById(id: string): Promise<User | null>;
  /** Users in creation order, `limit` of them after sequence number `after` (from the start when omitted). */
  list(options: { limit: number; after?: number }): Promise<KeysetPage<User>>;
  /** Resolves true when the store answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Another user already has this email (emails are stored lower-cased, so the check ignores case). */
export class DuplicateEmailError extends Error {
  readonly email: string;

  constructor(email: string, options?: { cause?: unknown }) {
    super(`email ${email} is already registered`, options);
    this.name = 'DuplicateEmailError';
    this.email = email;
  }
}

export function isDuplicateEmailError(error: unknown): error is DuplicateEmailError {
  return error instanceof DuplicateEmailError;
}
