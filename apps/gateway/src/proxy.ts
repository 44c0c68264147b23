import type { Request, Response } from 'express';
import {
  DEPENDENCY_FAILED_HEADER,
  HttpError,
  REQUEST_ID_HEADER,
  requestContext,
} from '@mesh/service-kit';
import type { UpstreamCall, UpstreamResponse } from '@mesh/service-kit';
import type { Deadline } from '@mesh/resilience';

/** What the gateway needs of an upstream: a name and a way to send it a request. */
export interface Upstream {
  readonly service: string;
  request(call: UpstreamCall): Promise<UpstreamResponse>;
}

/** Request headers a client may send through to a service. */
const FORWARDED_REQUEST_HEADERS = ['accept', 'content-type', 'idempotency-key'] as const;
/** Response headers a service may send back through the gateway. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'retry-after',
  'x-degraded',
  'idempotent-replayed',
  DEPENDENCY_FAILED_HEADER,
] as const;

/**
 * One path segment of an upstream path, built from a matched route parameter: percent-encoded,
 * so a `/` or `\` in it stays inside the segment. A dot segment (`.` or `..`, however it was
 * encoded) is refused: URL resolution would turn `/users/.` into `/users/`, another route than
 * the one the gateway matched, logged and measured.
 * @throws HttpError 400 `bad_request`
 */
export function pathSegment(value: string | undefined, name: string): string {
  if (value === undefined || value === '' || value === '.' || value === '..') {
    throw new HttpError(
      'bad_request',
      `path parameter ${name} must not be empty or a dot segment`,
      {
        details: [{ field: name, message: 'must not be empty, "." or ".."' }],
      },
    );
  }
  return encodeURIComponent(value);
}

/**
 * Forwards the request to `upstream` under `upstreamPath` — built by the route from its matched
 * parameters, never from the raw public path — and copies the answer back, the error envelope of
 * the service included. A transport failure is thrown and becomes the gateway's own envelope
 * (503 or 504).
 */
export async function forward(
  upstream: Upstream,
  req: Request,
  res: Response,
  path: string,
  deadline?: Deadline,
): Promise<void> {
  const query = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?'))
    : '';
  const upstreamPath = `${path}${query}`;
  const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestContext(res).requestId };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.get(name);
    if (value !== undefined) headers[name] = value;
  }
  const hasBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
  if (hasBody) headers['content-type'] = 'application/json';

  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once('close', onClose);
  try {
    const answer = await upstream.request({
      method: req.method,
      path: upstreamPath,
      headers,
      body: hasBody ? JSON.stringify(req.body) : undefined,
      signal: controller.signal,
      deadline,
    });
    res.status(answer.status);
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    const location = answer.headers['location'];
    if (typeof location === 'string') res.setHeader('Location', `/api${location}`);
    res.end(answer.body);
  } finally {
    res.off('close', onClose);
  }
}
