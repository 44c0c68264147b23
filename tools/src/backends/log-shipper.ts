import { readFileSync, writeFileSync } from 'node:fs';
import type { JsonObject } from './expand-keys';
import { expandKeys, isJsonObject } from './expand-keys';
import { LogTailer } from './log-tailer';
import type { TailPosition } from './log-tailer';

/** The `data_stream.*` fields of a `<type>-<dataset>-<namespace>` data stream name. */
export function dataStreamFields(dataStream: string): {
  type: string;
  dataset: string;
  namespace: string;
} {
  const [type, dataset, namespace, ...rest] = dataStream.split('-');
  if (!type || !dataset || !namespace || rest.length > 0) {
    throw new Error(`${dataStream} is not a data stream name of the form type-dataset-namespace`);
  }
  return { type, dataset, namespace };
}

/**
 * One mesh log line as the search engine gets it after Filebeat and Logstash: dotted keys
 * expanded as Filebeat's `expand_keys` does, plus the `data_stream.*` fields the Logstash output
 * syncs (`data_stream_sync_fields`). Throws ExpandKeysError where Filebeat would give up on it.
 */
export function toDocument(line: JsonObject, dataStream: string): JsonObject {
  return { ...expandKeys(line), data_stream: dataStreamFields(dataStream) };
}

/**
 * A raw line the way Filebeat's ndjson parser ships one it cannot decode or expand: the text as
 * `message`, the reason under `error` (Filebeat's `error.type: json`).
 */
function undecodedDocument(raw: string, reason: string, dataStream: string): JsonObject {
  return {
    '@timestamp': new Date().toISOString(),
    message: raw,
    error: { type: 'json', message: reason },
    data_stream: dataStreamFields(dataStream),
  };
}

interface BulkItem {
  create?: { status: number; error?: unknown };
}

/** The `_bulk` body of `create` actions (data streams accept only `create`). */
function bulkBody(dataStream: string, documents: readonly JsonObject[]): string {
  const action = JSON.stringify({ create: { _index: dataStream } });
  return `${documents.map((doc) => `${action}\n${JSON.stringify(doc)}`).join('\n')}\n`;
}

async function postBulk(
  url: string,
  body: string,
  timeoutMs: number,
  refresh: boolean,
): Promise<{ status: number; ok: boolean; errors: boolean; items: BulkItem[] }> {
  const response = await fetch(`${url}/_bulk${refresh ? '?refresh=true' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    errors?: boolean;
    items?: BulkItem[];
  };
  return {
    status: response.status,
    ok: response.ok,
    errors: answer.errors === true,
    items: answer.items ?? [],
  };
}

/** Options of {@link shipLogLines}. */
export interface ShipLogLinesOptions {
  /** Base URL of the search engine, e.g. `http://127.0.0.1:9200`. */
  url: string;
  /** The data stream to create documents in, `<type>-<dataset>-<namespace>` (e.g. `logs-mesh-default`). */
  dataStream: string;
  /** The log lines as the services wrote them (dotted keys are expanded here). */
  lines: readonly JsonObject[];
  /** Per request timeout in milliseconds. Default 30000. */
  timeoutMs?: number;
}

/**
 * Ships the given lines at once, each through {@link toDocument}, with one `_bulk` of `create`
 * actions, then refreshes so the lines are searchable at once. Rejects when any line was refused,
 * naming the first reasons. (What `npm run backends -- --logs` runs is {@link startLogShipper}.)
 */
export async function shipLogLines(options: ShipLogLinesOptions): Promise<number> {
  const { url, dataStream, lines, timeoutMs = 30_000 } = options;
  dataStreamFields(dataStream);
  if (lines.length === 0) return 0;
  const documents = lines.map((line) => toDocument(line, dataStream));
  const answer = await postBulk(url, bulkBody(dataStream, documents), timeoutMs, true);
  if (!answer.ok || answer.errors) {
    const refused = answer.items.filter((item) => (item.create?.status ?? 500) >= 300);
    throw new Error(
      `_bulk into ${dataStream} refused ${refused.length} of ${lines.length} lines (HTTP ${answer.status}): ` +
        JSON.stringify(refused.slice(0, 3).map((item) => item.create?.error)),
    );
  }
  return lines.length;
}

/** Options of {@link startLogShipper}. */
export interface LogShipperOptions {
  /** Base URL of the search engine, e.g. `http://127.0.0.1:9200`. */
  url: string;
  /** The data stream to create documents in, e.g. `logs-mesh-default`. */
  dataStream: string;
  /** The directory of `<instance>.ndjson` files the launcher writes (`npm start -- --logs-dir`). */
  dir: string;
  /** How often the files are read and a batch is sent, in milliseconds. Default 1000. */
  intervalMs?: number;
  /** At most this many lines per `_bulk` request. Default 500. */
  maxBatch?: number;
  /**
   * At most this many lines held. While the engine takes lines, a full buffer only pauses reading
   * (backpressure); while it does not, the oldest beyond this are dropped and counted in a
   * warning. Default 10000.
   */
  maxBuffered?: number;
  /** Per request timeout in milliseconds. Default 10000. */
  timeoutMs?: number;
  /**
   * A JSON file keeping how far each file was shipped (Filebeat's registry, in small), so a
   * restart does not ship the same lines again. Default: none, every file from its start.
   */
  registryFile?: string;
  /** Told about what went wrong (engine down, lines dropped or refused). Default: ignored. */
  onWarning?: (message: string) => void;
}

/** What a {@link startLogShipper} has done so far. */
export interface LogShipperStats {
  /** Lines the engine accepted. */
  shipped: number;
  /** Lines dropped because the engine stayed unreachable and the buffer was full. */
  dropped: number;
  /** Lines the engine refused (a mapping conflict, …): not sent again. */
  refused: number;
  /** Lines that were not JSON or whose keys could not be expanded: shipped undecoded. */
  undecoded: number;
  /** Lines read and not yet accepted. */
  buffered: number;
}

/** A running shipper. */
export interface LogShipper {
  stats(): LogShipperStats;
  /** Reads and ships once more (one attempt), then stops. */
  stop(): Promise<void>;
}

/**
 * What Filebeat and Logstash do to the native mesh's log files, without them: follows the
 * `*.ndjson` files of `dir` (files appearing later, truncation and rotation — LogTailer), turns each
 * whole line into the document Logstash would index ({@link toDocument}) and every `intervalMs`
 * sends what it has in `_bulk` `create` batches of at most `maxBatch` into `dataStream`. While the
 * engine is unreachable the lines wait in a buffer of at most `maxBuffered`; beyond that the oldest
 * are dropped, counted, and said in a warning. Not Filebeat (no backoff tuning, no
 * at-least-once guarantee across crashes beyond the registry file) — the same field work.
 */
export function startLogShipper(options: LogShipperOptions): LogShipper {
  const {
    url,
    dataStream,
    intervalMs = 1000,
    maxBatch = 500,
    maxBuffered = 10_000,
    timeoutMs = 10_000,
    registryFile,
    onWarning = () => undefined,
  } = options;
  dataStreamFields(dataStream);
  const tailer = new LogTailer({ dir: options.dir, positions: readRegistry(registryFile) });
  const buffer: JsonObject[] = [];
  const stats = { shipped: 0, dropped: 0, refused: 0, undecoded: 0 };
  let failingSince: number | undefined;
  let droppedSinceWarning = 0;

  const read = () => {
    // While the engine takes lines, a full buffer is backpressure: the rest waits on disk. Only
    // while it does not are lines read on and the oldest dropped, so a long outage is not
    // shipped as a flood of stale lines once it ends.
    if (failingSince === undefined && buffer.length >= maxBuffered) return;
    for (const { line } of tailer.poll()) {
      let document: JsonObject;
      try {
        const parsed: unknown = JSON.parse(line);
        if (!isJsonObject(parsed)) throw new Error('not a JSON object');
        document = toDocument(parsed, dataStream);
      } catch (error) {
        stats.undecoded++;
        document = undecodedDocument(line, messageOf(error), dataStream);
      }
      buffer.push(document);
    }
    if (failingSince !== undefined && buffer.length > maxBuffered) {
      const over = buffer.length - maxBuffered;
      buffer.splice(0, over);
      stats.dropped += over;
      droppedSinceWarning += over;
    }
  };

  const send = async () => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      let answer;
      try {
        answer = await postBulk(url, bulkBody(dataStream, batch), timeoutMs, false);
      } catch (error) {
        answer = { ok: false, status: 0, errors: true, items: [], reason: messageOf(error) };
      }
      if (!answer.ok) {
        // Unreachable or overloaded: keep the batch, try again next tick.
        if (failingSince === undefined) {
          failingSince = Date.now();
          const why = 'reason' in answer ? answer.reason : `HTTP ${answer.status}`;
          onWarning(`${url} is not taking log lines (${why}); holding up to ${maxBuffered}`);
        }
        return;
      }
      if (failingSince !== undefined) {
        onWarning(`${url} takes log lines again`);
        failingSince = undefined;
      }
      buffer.splice(0, batch.length);
      const retry: JsonObject[] = [];
      const reasons: unknown[] = [];
      batch.forEach((document, i) => {
        const status = answer.items[i]?.create?.status ?? 201;
        if (status < 300) stats.shipped++;
        else if (status === 429) retry.push(document);
        else {
          stats.refused++;
          reasons.push(answer.items[i]?.create?.error);
        }
      });
      if (reasons.length > 0) {
        onWarning(
          `${reasons.length} log line(s) refused by ${dataStream}: ${JSON.stringify(reasons[0]).slice(0, 300)}`,
        );
      }
      if (retry.length > 0) {
        buffer.unshift(...retry);
        return;
      }
    }
  };

  const tick = async (final = false) => {
    read();
    // Stopping while the engine is down: no last attempt to wait for.
    if (!(final && failingSince !== undefined)) await send();
    if (droppedSinceWarning > 0) {
      onWarning(
        `dropped ${droppedSinceWarning} log line(s): ${url} unreachable and ${maxBuffered} already held (${stats.dropped} dropped in all)`,
      );
      droppedSinceWarning = 0;
    }
    writeRegistry(registryFile, tailer.positions());
  };

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => onWarning(`log shipping: ${messageOf(error)}`))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
  };
  schedule();

  return {
    stats: () => ({ ...stats, buffered: buffer.length }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running;
      await tick(true).catch((error: unknown) => onWarning(`log shipping: ${messageOf(error)}`));
    },
  };
}

function readRegistry(file: string | undefined): Record<string, TailPosition> | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, TailPosition>;
  } catch {
    return undefined;
  }
}

function writeRegistry(file: string | undefined, positions: Record<string, TailPosition>): void {
  if (file) writeFileSync(file, `${JSON.stringify(positions, null, 2)}\n`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
