/** A bad flag or argument: the CLIs print it and exit 2 (usage), like `npm run backends`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof UsageError;
}

/** Exit code of a bad command line. */
export const EXIT_USAGE = 2;
