import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { reportTelemetryWarning, wasReported } from './telemetry-warnings';

/** After this many distinct messages the rest are dropped: a warning channel, not a log stream. */
const MAX_DISTINCT_MESSAGES = 50;

/**
 * Passes each distinct message on once. The SDK repeats the same complaint for every batch
 * (an unreachable backend fails every few seconds); a reader needs to see it once.
 */
export class OnceReporter {
  private readonly seen = new Set<string>();

  constructor(
    private readonly report: (message: string, error?: unknown) => void,
    private readonly maxDistinct = MAX_DISTINCT_MESSAGES,
  ) {}

  note(message: string, error?: unknown): void {
    if (this.seen.has(message) || this.seen.size >= this.maxDistinct) return;
    this.seen.add(message);
    this.report(message, error);
  }
}

/** An OpenTelemetry diag logger that forwards warnings and errors, each distinct one once. */
export class WarningDiagLogger implements DiagLogger {
  constructor(private readonly once: OnceReporter) {}

  error(message: string, ...args: unknown[]): void {
    this.forward(message, args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.forward(message, args);
  }

  // below WARN the SDK talks about normal operation; OTEL_LOG_LEVEL=debug shows it on the console
  info(): void {
    return;
  }
  debug(): void {
    return;
  }
  verbose(): void {
    return;
  }

  private forward(message: string, args: unknown[]): void {
    const text = [message, ...args.map(describe)].join(' ');
    this.once.note(
      text,
      args.find((arg) => arg instanceof Error),
    );
  }
}

/** One readable line for an error or value the SDK handed us. */
export function describe(value: unknown): string {
  if (value instanceof Error) return value.message || value.name;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Routes the SDK's diagnostics to {@link reportTelemetryWarning}: the diag logger at WARN (unless
 * `OTEL_LOG_LEVEL` asks the SDK for its own console logger) and the global error handler, which
 * ignores errors an exporter wrapper has already reported.
 *
 * @param useDiagLogger false when `OTEL_LOG_LEVEL` is set: then the SDK installs its console logger.
 */
export function installDiagnostics(useDiagLogger: boolean): void {
  const once = new OnceReporter(reportTelemetryWarning);
  if (useDiagLogger) {
    diag.setLogger(new WarningDiagLogger(once), {
      logLevel: DiagLogLevel.WARN,
      suppressOverrideMessage: true,
    });
  }
  setGlobalErrorHandler((error) => {
    if (wasReported(error)) return;
    once.note(`OpenTelemetry SDK error: ${describe(error)}`, error);
  });
}
