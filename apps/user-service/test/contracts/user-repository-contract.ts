import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDuplicateEmailError } from '../../src/storage/user-repository';
import type { UserRepository } from '../../src/storage/user-repository';
import type { User } from '../../src/user';

function aUser(n: number, overrides: Partial<User> = {}): User {
  return {
    id: randomUUID(),
    name: `User ${n}`,
    email: `user${n}@example.com`,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    ...overrides,
  };
}

/**
 * What every {@link UserRepository} must do, as a suite any implementation runs:
 * `makeRepo` gives a fresh, empty repository for each test.
 */
export function describeUserRepositoryContract(
  name: string,
  makeRepo: () => Promise<UserRepository>,
): void {
  describe(`UserRepository contract: ${name}`, () => {
    let repo: UserRepository;

    beforeEach(async () => {
      repo = await makeRepo();
    });
    afterEach(async () => {
      await repo.close();
    });

    it('finds a stored user by id with every field as given', async () => {
      const user = aUser(1);
      await repo.insert(user);
      expect(await repo.findById(user.id)).toEqual(user);
    });

    it('answers null for an id it never stored', async () => {
      expect(await repo.findById(randomUUID())).toBeNull();
    });

    it('rejects a second user with the same email and keeps the first', async () => {
      const first = aUser(1);
      await repo.insert(first);
      const error = await repo.insert(aUser(2, { email: first.email })).catch((e: unknown) => e);
      expect(isDuplicateEmailError(error)).toBe(true);
      expect(await repo.findById(first.id)).toEqual(first);
      expect((await repo.list({ limit: 10 })).items).toHaveLength(1);
    });

    it('lists nothing, with no next position, when empty', async () => {
      expect(await repo.list({ limit: 5 })).toEqual({ items: [], next: null });
    });

    it('walks every user once, in insertion order, page by page', async () => {
      const users = Array.from({ length: 7 }, (_, i) => aUser(i));
      for (const user of users) await repo.insert(user);

      const seen: User[] = [];
      let after: number | undefined;
      let pages = 0;
      let next: number | null;
      do {
        const page = await repo.list({ limit: 3, after });
        seen.push(...page.items);
        pages++;
        next = page.next;
        after = next ?? undefined;
      } while (next !== null && pages <= 10);
      expect(next).toBeNull();
      expect(seen).toEqual(users);
      expect(pages).toBe(3);
    });

    it('reports no next position when the last page is exactly full', async () => {
      for (let i = 0; i < 4; i++) await repo.insert(aUser(i));
      const first = await repo.list({ limit: 2 });
      expect(first.next).not.toBeNull();
      const second = await repo.list({ limit: 2, after: first.next ?? undefined });
      expect(second.items).toHaveLength(2);
      expect(second.next).toBeNull();
    });

    it('answers a ping while open', async () => {
      expect(await repo.ping()).toBe(true);
    });
  });
}
