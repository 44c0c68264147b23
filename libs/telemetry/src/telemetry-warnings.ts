/**
 * Receives the telemetry lib's own problems (an unreachable trace backend, a bad OTEL_* value).
 * `error` is the underlying error when there is one.
 */
export type TelemetryWarningHandler = (message: string, error?: Error) => void;

/** Until a service routes warnings to its logger, each one is a single line on stderr. */
const writeToStderr: TelemetryWarningHandler = (message) => {
  process.stderr.write(`telemetry: ${message}\n`);
};

let handler: TelemetryWarningHandler = writeToStderr;

/**
 * Routes telemetry warnings, e.g. to the service's logger. Pass `undefined` to restore the
 * default (one line on stderr). Warnings are rare by design: a failing exporter reports its
 * first failure and its recovery, not every failed batch.
 */
export function setTelemetryWarningHandler(next: TelemetryWarningHandler | undefined): void {
  handler = next ?? writeToStderr;
}

/** Hands one warning to the current handler; a throwing handler never breaks the caller. */
export function reportTelemetryWarning(message: string, error?: unknown): void {
  try {
    handler(message, error instanceof Error ? error : undefined);
  } catch {
    // a broken warning handler must not take telemetry (or the request that ended a span) down
  }
}

const alreadyReported = new WeakSet<object>();

/** Marks an error whose story was already told, so the SDK's error handler stays quiet about it. */
export function markReported(error: Error): void {
  alreadyReported.add(error);
}

export function wasReported(error: unknown): boolean {
  return typeof error === 'object' && error !== null && alreadyReported.has(error);
}
