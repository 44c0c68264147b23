import type Database from 'better-sqlite3';
import {
  classifySqliteError,
  isSqliteUniqueViolation,
  migrateSqlite,
  openSqliteDatabase,
  readMigrations,
  withSqliteSpan,
} from '@mesh/storage';
import type { KeysetPage, SqliteOpenOptions } from '@mesh/storage';
import { ATTR_USER_ID } from '@mesh/telemetry';
import type { User } from '../user';
import { migrationsDir } from './migrations-dir';
import { DuplicateEmailError } from './user-repository';
import type { UserRepository } from './user-repository';

interface UserRow {
  seq: number;
  id: string;
  name: string;
  email: string;
  created_at: string;
}

function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, email: row.email, createdAt: row.created_at };
}

/** {@link UserRepository} on an embedded SQLite file; several processes may open the same file. */
export class SqliteUserRepository implements UserRepository {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[User]>;
  readonly #byId: Database.Statement<[string], UserRow>;
  readonly #page: Database.Statement<[number, number], UserRow>;
  readonly #ping: Database.Statement<[], { ok: number }>;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO users (id, name, email, created_at) VALUES (@id, @name, @email, @createdAt)',
    );
    this.#byId = db.prepare('SELECT seq, id, name, email, created_at FROM users WHERE id = ?');
    this.#page = db.prepare(
      'SELECT seq, id, name, email, created_at FROM users WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.#ping = db.prepare('SELECT 1 AS ok');
  }

  /** Opens (and creates when missing) the database file, and applies the pending migrations. */
  static open(options: SqliteOpenOptions): SqliteUserRepository {
    const db = openSqliteDatabase(options);
    try {
      migrateSqlite(db, readMigrations(migrationsDir('sqlite')));
      return new SqliteUserRepository(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  insert(user: User): Promise<void> {
    return this.#call(
      'INSERT',
      () => {
        try {
          this.#insert.run(user);
        } catch (error) {
          if (isSqliteUniqueViolation(error, 'users', 'email'))
            throw new DuplicateEmailError(user.email, { cause: error });
          throw error;
        }
      },
      { [ATTR_USER_ID]: user.id },
    );
  }

  findById(id: string): Promise<User | null> {
    return this.#call(
      'SELECT',
      () => {
        const row = this.#byId.get(id);
        return row ? toUser(row) : null;
      },
      { [ATTR_USER_ID]: id },
    );
  }

  list(options: { limit: number; after?: number }): Promise<KeysetPage<User>> {
    return this.#call('SELECT', () => {
      // One row more than asked tells whether another page follows.
      const rows = this.#page.all(options.after ?? 0, options.limit + 1);
      const items = rows.slice(0, options.limit);
      const last = items.at(-1);
      return {
        items: items.map(toUser),
        next: rows.length > options.limit && last ? last.seq : null,
      };
    });
  }

  ping(): Promise<boolean> {
    return this.#call('SELECT', () => this.#ping.get() !== undefined);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #call<T>(operation: string, fn: () => T, attributes: Record<string, string> = {}): Promise<T> {
    return withSqliteSpan({ operation, collection: 'users', attributes }, () => {
      try {
        return fn();
      } catch (error) {
        throw classifySqliteError(error);
      }
    });
  }
}
