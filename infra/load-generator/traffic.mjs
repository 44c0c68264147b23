// Gentle, realistic traffic for the compose stack (docs/stack.md#the-load-generator): a small loop
// of reads and writes through the gateway so every dashboard, trace search and log view has data
// within a minute of `docker compose up`. Plain Node.js (global fetch), no dependencies: compose
// runs it in the pinned node image. Until the scenarios issue lands `npm run load`, this is it.
//
//   GATEWAY_URL   where to send it (default http://gateway:8080)
//   INTERVAL_MS   pause between two requests (default 400, about 2.5 requests per second)
//   REPORT_MS     how often one summary line is printed (default 60000)
//   HEARTBEAT_FILE  touched after every request: compose's healthcheck checks it is fresh

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const gateway = (process.env.GATEWAY_URL ?? 'http://gateway:8080').replace(/\/+$/, '');
const intervalMs = positive(process.env.INTERVAL_MS, 400);
const reportMs = positive(process.env.REPORT_MS, 60_000);
const heartbeatFile = process.env.HEARTBEAT_FILE;
const REQUEST_TIMEOUT_MS = 5000;
/** Ids remembered for reads; old ones are forgotten so memory stays flat however long it runs. */
const KEEP = 200;

const users = [];
const orders = [];
const counts = new Map();
let stopping = false;

function positive(text, fallback) {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function remember(list, id) {
  list.push(id);
  if (list.length > KEEP) list.shift();
}

function count(action, outcome) {
  const key = `${action} ${outcome}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function print(fields) {
  process.stdout.write(
    `${JSON.stringify({ '@timestamp': new Date().toISOString(), ...fields })}\n`,
  );
}

async function call(action, method, path, body, headers = {}) {
  try {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: {
        'user-agent': 'observable-mesh-load-generator',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    count(action, response.status);
    if (!response.ok) return undefined;
    return text === '' ? {} : JSON.parse(text);
  } catch (error) {
    count(action, error instanceof Error ? error.name : 'error');
    return undefined;
  }
}

let serial = 0;
const SKUS = ['BOOK-1', 'BOOK-2', 'MUG-1', 'PEN-3', 'LAMP-7'];

async function createUser() {
  serial += 1;
  const name = `Load ${serial}`;
  const email = `load-${Date.now().toString(36)}-${serial}@example.com`;
  const user = await call('create-user', 'POST', '/api/users', { name, email });
  if (typeof user?.id === 'string') remember(users, user.id);
}

async function createOrder() {
  const userId = pick(users);
  if (userId === undefined) return createUser();
  const items = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
    sku: pick(SKUS),
    quantity: 1 + Math.floor(Math.random() * 3),
    unitPrice: 250 * (1 + Math.floor(Math.random() * 20)),
  }));
  // One order in ten repeats its POST with the same key: the second answer is the stored replay.
  const key = `load-${Date.now().toString(36)}-${serial++}`;
  const order = await call(
    'create-order',
    'POST',
    '/api/orders',
    { userId, items },
    {
      'idempotency-key': key,
    },
  );
  if (typeof order?.id === 'string') {
    remember(orders, order.id);
    if (Math.random() < 0.1) {
      await call(
        'replay-order',
        'POST',
        '/api/orders',
        { userId, items },
        { 'idempotency-key': key },
      );
    }
  }
}

/** Mostly reads, some writes, a few misses: roughly what a small shop's API sees. */
const ACTIONS = [
  [0.1, createUser],
  [0.2, createOrder],
  [
    0.2,
    () =>
      orders.length === 0 ? createOrder() : call('get-order', 'GET', `/api/orders/${pick(orders)}`),
  ],
  [
    0.15,
    () =>
      users.length === 0 ? createUser() : call('get-user', 'GET', `/api/users/${pick(users)}`),
  ],
  [
    0.15,
    () =>
      users.length === 0
        ? createUser()
        : call('orders-of-user', 'GET', `/api/orders?userId=${pick(users)}`),
  ],
  [0.15, () => call('list-users', 'GET', '/api/users')],
  [0.05, () => call('missing-order', 'GET', `/api/orders/${randomUUID()}`)],
];

function nextAction() {
  let r = Math.random();
  for (const [weight, action] of ACTIONS) {
    if ((r -= weight) < 0) return action;
  }
  return ACTIONS[0][1];
}

function report() {
  print({
    message: 'load-generator: requests since the last report',
    counts: Object.fromEntries(counts),
  });
  counts.clear();
}

async function main() {
  print({ message: `load-generator: sending to ${gateway} every ${intervalMs} ms` });
  const timer = setInterval(report, reportMs);
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      stopping = true;
      clearInterval(timer);
    });
  }
  // A few users first, so the first orders have someone to belong to.
  for (let i = 0; i < 3 && !stopping; i++) await createUser();
  while (!stopping) {
    await nextAction()();
    if (heartbeatFile) writeFileSync(heartbeatFile, new Date().toISOString());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  report();
}

await main();
