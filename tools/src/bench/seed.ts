import { randomUUID } from 'node:crypto';
import { request } from 'undici';

/** Creates one user (POST `<users>/users`) and one order of theirs (POST `<orders>/orders`). */
export async function seedOrder(
  users: string,
  orders: string,
): Promise<{ userId: string; orderId: string }> {
  const id = randomUUID();
  const user = await post(`${users}/users`, {
    name: `Bench ${id.slice(0, 8)}`,
    email: `bench-${id}@example.com`,
  });
  const order = await post(`${orders}/orders`, {
    userId: user.id,
    items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 1250 }],
  });
  return { userId: user.id, orderId: order.id };
}

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const answer = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  if (answer.statusCode !== 201 && answer.statusCode !== 200) {
    throw new Error(`seeding: POST ${url} answered ${answer.statusCode}: ${text.slice(0, 200)}`);
  }
  return JSON.parse(text) as { id: string };
}
