/**
 * The naive reference chain of the benchmark ("the limit", docs/benchmarks.md): the same three
 * hops as the mesh — gateway → order → user — written the plain way with Express 5, undici and
 * better-sqlite3. No discovery, no resilience policies, no telemetry, no validation library.
 * Run as `node naive-chain.js <gateway|order|user> <port> <upstream url | sqlite file>`.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import express from 'express';
import type { Request, Response } from 'express';
import { Pool } from 'undici';

type Role = 'gateway' | 'order' | 'user';

function ready(app: express.Express): void {
  app.get('/health/ready', (_req, res) => {
    res.json({ status: 'ready' });
  });
}

function userApp(file: string): express.Express {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT, email TEXT)');
  const insert = db.prepare('INSERT INTO users (id, name, email) VALUES (?, ?, ?)');
  const byId = db.prepare('SELECT id, name, email FROM users WHERE id = ?');
  const app = express();
  app.use(express.json());
  ready(app);
  app.post('/users', (req: Request, res: Response) => {
    const body = req.body as { name: string; email: string };
    const id = randomUUID();
    insert.run(id, body.name, body.email);
    res.status(201).json({ id, name: body.name, email: body.email });
  });
  app.get('/users/:id', (req: Request<{ id: string }>, res: Response) => {
    const user = byId.get(req.params.id);
    if (user === undefined) res.status(404).json({ error: 'not found' });
    else res.json(user);
  });
  return app;
}

function orderApp(file: string, users: string): express.Express {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, user_id TEXT, body TEXT)');
  const insert = db.prepare('INSERT INTO orders (id, user_id, body) VALUES (?, ?, ?)');
  const byId = db.prepare<[string], { id: string; user_id: string; body: string }>(
    'SELECT id, user_id, body FROM orders WHERE id = ?',
  );
  const pool = new Pool(users, { connections: 64 });
  const app = express();
  app.use(express.json());
  ready(app);
  app.post('/orders', (req: Request, res: Response) => {
    const body = req.body as { userId: string; items: unknown[] };
    const id = randomUUID();
    insert.run(id, body.userId, JSON.stringify(body.items));
    res.status(201).json({ id, userId: body.userId, items: body.items });
  });
  app.get('/orders/:id', async (req: Request<{ id: string }>, res: Response) => {
    const row = byId.get(req.params.id);
    if (row === undefined) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    const answer = await pool.request({ method: 'GET', path: `/users/${row.user_id}` });
    const user = answer.statusCode === 200 ? await answer.body.json() : await answer.body.dump();
    res.json({ id: row.id, userId: row.user_id, items: JSON.parse(row.body) as unknown, user });
  });
  return app;
}

function gatewayApp(orders: string): express.Express {
  const pool = new Pool(orders, { connections: 64 });
  const app = express();
  ready(app);
  const forward = async (req: Request, res: Response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await pool.request({
      method: req.method as 'GET' | 'POST',
      path: req.originalUrl.replace(/^\/api/, ''),
      headers: { 'content-type': req.get('content-type') ?? 'application/json' },
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    res.status(answer.statusCode).type('application/json');
    res.send(Buffer.from(await answer.body.arrayBuffer()));
  };
  app.get('/api/orders/:id', forward);
  app.post('/api/orders', forward);
  return app;
}

const [role, port, target] = process.argv.slice(2) as [Role, string, string];
const app =
  role === 'user'
    ? userApp(target)
    : role === 'order'
      ? orderApp(target, process.argv[5] ?? '')
      : gatewayApp(target);
app.listen(Number(port), '127.0.0.1');
