import type { Writable } from 'node:stream';
import { ecsFields, ecsStringify } from '@elastic/ecs-winston-format';
import { createLogger as createWinstonLogger, format, transports } from 'winston';
import type { Logger as WinstonLogger } from 'winston';
import { activeSpanContext } from './trace-context';
import { serviceIdentity } from './service-identity';

/** The mesh's logger: winston, writing one ECS JSON object per line. */
export type Logger = WinstonLogger;

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Lowest level written (winston's npm levels: error, warn, info, http, verbose, debug, silly). Default: `info`. */
  level?: string;
  /** Where the JSON lines go. Default: `process.stdout`. */
  stream?: Writable;
}

/**
 * Copies the active span context into ECS `trace.id` / `span.id` (nothing outside a span), adds
 * `service.instance.id`, which the ECS formatter does not know, and hands an `error` meta Error
 * to the formatter's `err` conversion (it only converts `err`).
 */
const meshFields = format((info) => {
  if (info['error'] instanceof Error && info['err'] === undefined) {
    info['err'] = info['error'];
    delete info['error'];
  }
  info['service.instance.id'] = serviceIdentity().instanceId;
  // one lookup of the active span for both ids
  const active = activeSpanContext();
  if (active) {
    info['trace.id'] = active.traceId;
    info['span.id'] = active.spanId;
  }
  return info;
});

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * Keeps every line expandable by Filebeat's `expand_keys` (docs/logs.md), which gives up on a
 * whole line when a dotted key meets a value already there: a dotted key whose first segment is
 * also an object of the line (the formatter's `"event.dataset"` beside the access log's
 * `event: {...}`, a meta `"error.code"` beside the `error` object of a converted Error) is moved
 * into that object. Where both hold the same field, the object's value stays: it is the more
 * specific one (`event.dataset: http.access` over the service name, an Error's own `code`).
 * Objects on the way are copied, never changed: they may be the caller's.
 */
const foldDottedKeys = format((info) => {
  const fields = info as Fields;
  for (const key of Object.keys(fields)) {
    const segments = key.split('.');
    if (segments.length < 2 || !isObject(fields[segments[0] as string])) continue;
    const leaf = segments.pop() as string;
    let node = fields;
    let through = true;
    for (const segment of segments) {
      const next = node[segment];
      if (next !== undefined && !isObject(next)) {
        through = false;
        break;
      }
      node = node[segment] = { ...next };
    }
    if (!through) continue;
    if (node[leaf] === undefined) node[leaf] = fields[key];
    delete fields[key];
  }
  return info;
});

/**
 * Creates a logger whose lines are Elastic Common Schema JSON: `@timestamp`, `log.level`,
 * `message`, `ecs.version`, `service.name`/`.version`/`.environment`/`.instance.id` (from
 * {@link serviceIdentity}), `event.dataset`, `trace.id`/`span.id` of the active span, and any
 * meta given. An `Error` passed as `{ err }` or `{ error }` becomes `error.type`,
 * `error.message` and `error.stack_trace`.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const identity = serviceIdentity();
  return createWinstonLogger({
    level: options.level ?? 'info',
    format: format.combine(
      meshFields(),
      ecsFields({
        convertErr: true,
        apmIntegration: false,
        serviceName: identity.name,
        serviceVersion: identity.version,
        serviceEnvironment: identity.environment,
      }),
      foldDottedKeys(),
      ecsStringify(),
    ),
    transports: [new transports.Stream({ stream: options.stream ?? process.stdout })],
  });
}
