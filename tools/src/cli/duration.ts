const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration as people type it — `300ms`, `60s`, `2m`, `1h` — in ms. Strict: a whole number and
 * one unit, nothing else (`1.5s`, `60`, `2 m`, `-1s` are refused); undefined when not one.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `1500` → `1.5s`, `300` → `300ms`, `120000` → `2m`: the short form of a duration for output. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1000).toFixed(2))}s`;
  return `${ms / 60_000}m`;
}
