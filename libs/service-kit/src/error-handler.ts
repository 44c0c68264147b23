import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@mesh/telemetry';
import { DEPENDENCY_FAILED_HEADER, failedDependencyOf } from './dependency-failure';
import { ERROR_STATUS, isErrorCode } from './error-codes';
import type { ErrorCode } from './error-codes';
import { HttpError, isHttpError } from './http-error';
import { currentTraceId, requestContext } from './request-context';

/** The JSON body of every answer with a status >= 400. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    details?: unknown;
    requestId: string;
    traceId: string | null;
  };
}

/**
 * Maps anything thrown in a route to an {@link HttpError}: the kit's own errors as they are,
 * errors of other layers by their stable `code` (resilience errors carry one), body-parser
 * failures by their `type`, and everything else to a 500 whose cause only the log sees.
 */
export function toHttpError(error: unknown): HttpError {
  if (isHttpError(error)) return error;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (isErrorCode(code)) {
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      return new HttpError(code, error.message, {
        cause: error,
        retryAfterSeconds:
          typeof retryAfterMs === 'number'
            ? Math.max(1, Math.ceil(retryAfterMs / 1000))
            : ERROR_STATUS[code] === 503
              ? 1
              : undefined,
      });
    }
    const type = (error as { type?: unknown }).type;
    switch (type) {
      case 'entity.too.large':
        return new HttpError('payload_too_large', 'request body is larger than the limit', {
          cause: error,
          details: { limitBytes: (error as { limit?: number }).limit },
        });
      case 'entity.parse.failed':
        return new HttpError('invalid_json', 'request body is not valid JSON', { cause: error });
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new HttpError('unsupported_media_type', error.message, { cause: error });
      default:
        break;
    }
    if (error instanceof URIError) {
      return new HttpError('bad_request', 'malformed URL encoding', { cause: error });
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new HttpError('bad_request', error.message, { cause: error });
    }
  }
  return new HttpError('internal_error', 'internal error', { cause: error });
}

/** Writes the error envelope; used by the error middleware and by routes that answer errors themselves. */
export function sendError(req: Request, res: Response, error: HttpError): void {
  const body: ErrorEnvelope = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      requestId: requestContext(res).requestId ?? '',
      traceId: currentTraceId(req),
    },
  };
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  // A 5xx caused by one of this service's own upstreams says so, so that callers blame that hop.
  const dependency = error.status >= 500 ? failedDependencyOf(error) : undefined;
  if (dependency !== undefined) res.setHeader(DEPENDENCY_FAILED_HEADER, dependency);
  if (error.retryAfterSeconds !== undefined) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  res.status(error.status).json(body);
}

/** The one error middleware: an envelope for every failure, the stack only in the log. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const httpError = toHttpError(error);
    if (res.destroyed) {
      // The client went away (its abort surfaced here): nobody reads this answer, nothing failed.
      logger.debug(`client went away: ${httpError.message}`, {
        'http.request.id': requestContext(res).requestId,
      });
      return;
    }
    if (httpError.status >= 500 && httpError.code !== 'injected_fault') {
      const cause = httpError.cause ?? httpError;
      logger.error(httpError.message, {
        err: cause instanceof Error ? cause : new Error(String(cause)),
        'error.code': httpError.code,
        'http.request.id': requestContext(res).requestId,
      });
    }
    sendError(req, res, httpError);
  };
}

/** The answer for a path no route matched. */
export function routeNotFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError('route_not_found', `no route for ${req.method} ${req.path}`));
}

export type { ErrorCode };
