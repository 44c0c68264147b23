import type { Response } from 'express';

/** An AbortSignal that fires when the client goes away before its answer is sent, so upstream calls stop. */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}
