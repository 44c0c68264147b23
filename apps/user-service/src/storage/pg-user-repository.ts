import { DatabaseError } from 'pg';
import { PgDatabase, readMigrations } from '@mesh/storage';
import type { KeysetPage, PostgresOptions, PostgresStatus } from '@mesh/storage';
import type { User } from '../user';
import { migrationsDir } from './migrations-dir';
import { DuplicateEmailError } from './user-repository';
import type { UserRepository } from './user-repository';

interface UserRow {
  seq: string;
  id: string;
  name: string;
  email: string;
  created_at: Date;
}

const USER_COLUMNS = 'seq, id, name, email, created_at';
const UNIQUE_VIOLATION = '23505';

function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, email: row.email, createdAt: row.created_at.toISOString() };
}

/**
 * {@link UserRepository} on PostgreSQL, shared by every instance. Its queries are traced by
 * `@opentelemetry/instrumentation-pg` (one client span a query), so it opens no spans itself.
 */
export class PgUserRepository implements UserRepository {
  readonly #db: PgDatabase;

  private constructor(db: PgDatabase) {
    this.#db = db;
  }

  /** Connects, applies the pending migrations (once, whatever the number of instances starting). */
  static async open(options: PostgresOptions): Promise<PgUserRepository> {
    return new PgUserRepository(
      await PgDatabase.open(options, readMigrations(migrationsDir('postgres'))),
    );
  }

  insert(user: User): Promise<void> {
    return this.#db.call(async (pool) => {
      try {
        await pool.query(
          'INSERT INTO users (id, name, email, created_at) VALUES ($1, $2, $3, $4)',
          [user.id, user.name, user.email, user.createdAt],
        );
      } catch (error) {
        if (
          error instanceof DatabaseError &&
          error.code === UNIQUE_VIOLATION &&
          error.constraint === 'users_email_unique'
        ) {
          throw new DuplicateEmailError(user.email, { cause: error });
        }
        throw error;
      }
    });
  }

  findById(id: string): Promise<User | null> {
    return this.#db.call(async (pool) => {
      const { rows } = await pool.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`,
        [id],
      );
      return rows[0] ? toUser(rows[0]) : null;
    });
  }

  list(options: { limit: number; after?: number }): Promise<KeysetPage<User>> {
    return this.#db.call(async (pool) => {
      // One row more than asked tells whether another page follows.
      const { rows } = await pool.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [options.after ?? 0, options.limit + 1],
      );
      const items = rows.slice(0, options.limit);
      const last = items.at(-1);
      return {
        items: items.map(toUser),
        // bigint comes back as a string; sequence numbers stay far below 2^53.
        next: rows.length > options.limit && last ? Number(last.seq) : null,
      };
    });
  }

  ping(): Promise<boolean> {
    return this.#db.ping();
  }

  status(): PostgresStatus {
    return this.#db.status();
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
