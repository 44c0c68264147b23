import { Writable } from 'node:stream';
import { createLogger } from '@mesh/telemetry';
import type { Logger } from '@mesh/telemetry';

/** A real logger whose JSON lines are kept in memory instead of going to stdout. */
export function testLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', stream });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}
