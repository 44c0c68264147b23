import type { NextFunction, Request, Response } from 'express';
import { DEADLINE_HEADER, Deadline, parseDeadlineHeader } from '@mesh/resilience';
import { HttpError } from './http-error';

export interface DeadlineMiddlewareOptions {
  /**
   * Deadline given to every request that brings none (the gateway's total budget), ms.
   * A caller's shorter budget still wins. Default: none — only a caller's budget applies.
   */
  defaultMs?: number;
}

/** What a service keeps back of a caller's budget to send its answer: 5 %, at most 100 ms. */
export function replyReserveMs(budgetMs: number): number {
  return Math.min(100, Math.floor(budgetMs * 0.05));
}

/** The deadline of this request, when it has one. */
export function requestDeadline(res: Response): Deadline | undefined {
  return (res.locals as { deadline?: Deadline }).deadline;
}

/**
 * Reads the caller's remaining budget from `x-mesh-deadline-ms`: a malformed value is 400, an
 * expired one is answered 504 at once instead of doing work nobody waits for. The deadline is
 * kept for the request's own outbound calls and disposed when the answer is sent.
 */
export function deadlineMiddleware(options: DeadlineMiddlewareOptions = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get(DEADLINE_HEADER);
    let deadline: Deadline | undefined;
    if (header !== undefined) {
      const parsed = parseDeadlineHeader(header);
      if (!parsed.ok) {
        next(
          new HttpError('bad_request', `invalid ${DEADLINE_HEADER} header: ${parsed.error}`, {
            details: [{ field: DEADLINE_HEADER, message: parsed.error }],
          }),
        );
        return;
      }
      // Keep back a little of the caller's budget to answer in: a fallback built after our own
      // calls gave up must still reach the caller before it stops waiting.
      deadline =
        parsed.deadline &&
        Deadline.at(parsed.deadline.at - replyReserveMs(parsed.deadline.remainingMs()));
    }
    if (options.defaultMs !== undefined) {
      const own = Deadline.after(options.defaultMs);
      deadline = deadline && deadline.at < own.at ? deadline : own;
    }
    if (deadline?.expired) {
      next(new HttpError('deadline_exceeded', "the caller's deadline had already passed"));
      return;
    }
    if (deadline) {
      (res.locals as { deadline?: Deadline }).deadline = deadline;
      res.once('close', () => deadline.dispose());
    }
    next();
  };
}
