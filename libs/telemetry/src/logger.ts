import type { Writable } from 'node:stream';
import { ecsFormat } from '@elastic/ecs-winston-format';
import { createLogger as createWinstonLogger, format, transports } from 'winston';
import type { Logger as WinstonLogger } from 'winston';
import { activeSpanId, activeTraceId } from './trace-context';
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
  const traceId = activeTraceId();
  if (traceId) {
    info['trace.id'] = traceId;
    const spanId = activeSpanId();
    if (spanId) info['span.id'] = spanId;
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
      ecsFormat({
        convertErr: true,
        apmIntegration: false,
        serviceName: identity.name,
        serviceVersion: identity.version,
        serviceEnvironment: identity.environment,
      }),
    ),
    transports: [new transports.Stream({ stream: options.stream ?? process.stdout })],
  });
}
