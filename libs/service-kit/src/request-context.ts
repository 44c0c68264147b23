import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { activeTraceId, traceResponseHeader } from '@mesh/telemetry';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** Per-request values the kit attaches to `res.locals`. */
export interface RequestContext {
  requestId: string;
  startedAt: bigint;
}

export function requestContext(res: Response): RequestContext {
  return res.locals as RequestContext;
}

/**
 * Echoes a well-formed `X-Request-Id` or generates one (a malformed id is replaced, never
 * logged), and answers with `traceresponse` so a caller can find the trace.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get(REQUEST_ID_HEADER);
  const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
  const context = requestContext(res);
  context.requestId = requestId;
  context.startedAt = process.hrtime.bigint();
  res.setHeader('X-Request-Id', requestId);
  const traceResponse = traceResponseHeader();
  if (traceResponse) res.setHeader('traceresponse', traceResponse);
  next();
}

/** The trace id of this request: the active span's, else the one the caller sent in `traceparent`. */
export function currentTraceId(req: Request): string | null {
  const active = activeTraceId();
  if (active) return active;
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(
    req.get('traceparent') ?? '',
  );
  return match?.[1] ?? null;
}
