/** Turns one ECS JSON log line into a readable console line; other text passes through. */
export function formatLogLine(instance: string, line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${pad(instance)} ${line}`;
  }
  if (record === null || typeof record !== 'object') return `${pad(instance)} ${line}`;
  const time = typeof record['@timestamp'] === 'string' ? record['@timestamp'].slice(11, 23) : '';
  const level = String(
    record['log.level'] ?? (record['log'] as { level?: string } | undefined)?.level ?? 'info',
  );
  const traceId = record['trace.id'] ?? (record['trace'] as { id?: string } | undefined)?.id;
  const error = record['error'] as { message?: string } | undefined;
  const parts = [
    time,
    pad(instance),
    paint(level.toUpperCase().padEnd(5), level, color),
    String(record['message'] ?? ''),
  ];
  if (error?.message) parts.push(`— ${error.message}`);
  if (typeof traceId === 'string') parts.push(dim(`trace=${traceId}`, color));
  return parts.filter(Boolean).join(' ');
}

function pad(instance: string): string {
  return instance.padEnd(16);
}

const LEVEL_COLORS: Record<string, number> = { error: 31, warn: 33, info: 32, debug: 36 };

function paint(text: string, level: string, color: boolean): string {
  const code = LEVEL_COLORS[level];
  return color && code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function dim(text: string, color: boolean): string {
  return color ? `\u001b[2m${text}\u001b[0m` : text;
}
