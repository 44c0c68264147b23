import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogTailer } from './log-tailer';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'log-tailer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (tailer: LogTailer) => tailer.poll().map(({ file, line }) => `${file}: ${line}`);

describe('LogTailer', () => {
  it('returns nothing while the directory does not exist yet', () => {
    expect(new LogTailer({ dir: join(dir, 'logs') }).poll()).toEqual([]);
  });

  it('hands out files that appear later, and only *.ndjson ones', () => {
    const tailer = new LogTailer({ dir });
    writeFileSync(join(dir, 'gateway-1.ndjson'), '{"a":1}\n');
    writeFileSync(join(dir, 'mesh.json'), '{"not":"a log"}\n');
    expect(lines(tailer)).toEqual(['gateway-1.ndjson: {"a":1}']);
    writeFileSync(join(dir, 'user-service-1.ndjson'), '{"b":2}\n');
    expect(lines(tailer)).toEqual(['user-service-1.ndjson: {"b":2}']);
    expect(lines(tailer)).toEqual([]);
  });

  it('keeps a partial last line until its newline comes, however it is split', () => {
    const tailer = new LogTailer({ dir });
    const file = join(dir, 'order-service-1.ndjson');
    writeFileSync(file, '{"one":1}\n{"tw');
    expect(lines(tailer)).toEqual(['order-service-1.ndjson: {"one":1}']);
    appendFileSync(file, 'o":');
    expect(lines(tailer)).toEqual([]);
    appendFileSync(file, '2}\n{"three":3}\n');
    expect(lines(tailer)).toEqual([
      'order-service-1.ndjson: {"two":2}',
      'order-service-1.ndjson: {"three":3}',
    ]);
    expect(tailer.positions()['order-service-1.ndjson']?.offset).toBe(32);
  });

  it('reads a truncated file again from its start', () => {
    const tailer = new LogTailer({ dir });
    const file = join(dir, 'gateway-1.ndjson');
    writeFileSync(file, '{"old":1}\n{"old":2}\n');
    expect(lines(tailer)).toHaveLength(2);
    writeFileSync(file, '{"new":1}\n');
    expect(lines(tailer)).toEqual(['gateway-1.ndjson: {"new":1}']);
  });

  it('reads a rotated-in file (same name, new inode) from its start', () => {
    const tailer = new LogTailer({ dir });
    const file = join(dir, 'gateway-1.ndjson');
    writeFileSync(file, '{"old":1}\n');
    expect(lines(tailer)).toHaveLength(1);
    renameSync(file, join(dir, 'gateway-1.ndjson.1'));
    writeFileSync(file, '{"new":1}\n{"new":2}\n{"new":3}\n');
    expect(lines(tailer)).toEqual([
      'gateway-1.ndjson: {"new":1}',
      'gateway-1.ndjson: {"new":2}',
      'gateway-1.ndjson: {"new":3}',
    ]);
  });

  it('resumes from saved positions, and reads at most maxReadBytes per poll', () => {
    const file = join(dir, 'gateway-1.ndjson');
    writeFileSync(file, '{"a":1}\n{"b":2}\n');
    const first = new LogTailer({ dir });
    expect(lines(first)).toHaveLength(2);
    appendFileSync(file, '{"c":3}\n{"d":4}\n');
    const second = new LogTailer({ dir, positions: first.positions(), maxReadBytes: 10 });
    expect(lines(second)).toEqual(['gateway-1.ndjson: {"c":3}']);
    expect(lines(second)).toEqual(['gateway-1.ndjson: {"d":4}']);
  });

  it('hands out a line that reaches maxLineBytes without its newline, cut there', () => {
    const tailer = new LogTailer({ dir, maxLineBytes: 8 });
    const file = join(dir, 'gateway-1.ndjson');
    writeFileSync(file, '0123');
    expect(lines(tailer)).toEqual([]);
    appendFileSync(file, '456789');
    expect(lines(tailer)).toEqual(['gateway-1.ndjson: 0123456789']);
    appendFileSync(file, 'ab\n');
    expect(lines(tailer)).toEqual(['gateway-1.ndjson: ab']);
  });
});
