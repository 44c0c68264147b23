import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where the tailer is in one file: Filebeat's registry entry, in small. */
export interface TailPosition {
  /** The file's inode: another inode under the same name is a rotated-in new file. */
  ino: number;
  /** Bytes read and handed out as whole lines (a partial last line is not counted). */
  offset: number;
}

/** Options of {@link LogTailer}. */
export interface LogTailerOptions {
  /** The directory the files are written into (it may not exist yet). */
  dir: string;
  /** Which file names to follow. Default: `*.ndjson`. */
  match?: (name: string) => boolean;
  /** Positions to resume from (a previous {@link LogTailer.positions}); others start at 0. */
  positions?: Record<string, TailPosition>;
  /** At most this many bytes read per file per {@link LogTailer.poll}. Default 1 MiB. */
  maxReadBytes?: number;
  /**
   * A line still without its newline at this many bytes is handed out as it is, the rest of it
   * following as another line (Filebeat cuts such lines too). Default 4 MiB.
   */
  maxLineBytes?: number;
}

/** A whole line read from a followed file. */
export interface TailedLine {
  /** The file's name in the directory, e.g. `gateway-1.ndjson`. */
  file: string;
  line: string;
}

interface Followed extends TailPosition {
  /** The bytes after the last newline: a line still being written. */
  partial: Buffer;
}

/**
 * Follows the newline-delimited files of one directory by polling, the way Filebeat's filestream
 * input does: files that appear later are picked up; only whole lines are handed out (a partial
 * last line waits for its newline); a file that got shorter (truncated) or is another file under
 * the same name (rotated: new inode) is read again from its start. Memory is bounded by
 * `maxReadBytes` per file per poll, plus one partial line of at most `maxLineBytes` per file.
 */
export class LogTailer {
  readonly #dir: string;
  readonly #match: (name: string) => boolean;
  readonly #maxReadBytes: number;
  readonly #maxLineBytes: number;
  readonly #files = new Map<string, Followed>();

  constructor(options: LogTailerOptions) {
    this.#dir = options.dir;
    this.#match = options.match ?? ((name) => name.endsWith('.ndjson'));
    this.#maxReadBytes = options.maxReadBytes ?? 1024 * 1024;
    this.#maxLineBytes = options.maxLineBytes ?? 4 * 1024 * 1024;
    for (const [file, position] of Object.entries(options.positions ?? {})) {
      this.#files.set(file, { ...position, partial: Buffer.alloc(0) });
    }
  }

  /** The whole lines written since the last poll, file by file, in the order written. */
  poll(): TailedLine[] {
    let names: string[];
    try {
      names = readdirSync(this.#dir).filter(this.#match).sort();
    } catch {
      return []; // no directory yet: the mesh has not started
    }
    const lines: TailedLine[] = [];
    for (const name of names) {
      for (const line of this.#read(name)) lines.push({ file: name, line });
    }
    return lines;
  }

  /** Where each followed file has been read to, for a later {@link LogTailerOptions.positions}. */
  positions(): Record<string, TailPosition> {
    return Object.fromEntries(
      [...this.#files].map(([name, { ino, offset }]) => [name, { ino, offset }]),
    );
  }

  #read(name: string): string[] {
    const path = join(this.#dir, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return []; // removed between readdir and stat
    }
    let followed = this.#files.get(name);
    if (!followed || followed.ino !== stat.ino || stat.size < followed.offset) {
      // New, rotated or truncated: from the start.
      followed = { ino: stat.ino, offset: 0, partial: Buffer.alloc(0) };
      this.#files.set(name, followed);
    }
    const unread = stat.size - followed.offset - followed.partial.length;
    if (unread <= 0) return [];
    const chunk = Buffer.alloc(Math.min(unread, this.#maxReadBytes));
    const fd = openSync(path, 'r');
    let read: number;
    try {
      read = readSync(fd, chunk, 0, chunk.length, followed.offset + followed.partial.length);
    } finally {
      closeSync(fd);
    }
    const data = Buffer.concat([followed.partial, chunk.subarray(0, read)]);
    const lastNewline = data.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      if (data.length < this.#maxLineBytes) {
        followed.partial = data;
        return [];
      }
      followed.partial = Buffer.alloc(0);
      followed.offset += data.length;
      return [data.toString('utf8')];
    }
    followed.partial = Buffer.from(data.subarray(lastNewline + 1));
    followed.offset += lastNewline + 1;
    return data
      .subarray(0, lastNewline)
      .toString('utf8')
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter((line) => line.trim() !== '');
  }
}
