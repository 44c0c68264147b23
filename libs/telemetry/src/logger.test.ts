import { PassThrough } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installInMemoryTelemetry } from '../test/in-memory-telemetry';
import type { InMemoryTelemetry } from '../test/in-memory-telemetry';
import { createLogger } from './logger';
import type { CreateLoggerOptions } from './logger';
import { serviceIdentity } from './service-identity';

let telemetry: InMemoryTelemetry;
beforeAll(() => {
  telemetry = installInMemoryTelemetry();
});
afterAll(() => telemetry.uninstall());

/** A logger writing into memory; `lines()` parses what it wrote. */
function memoryLogger(options: Omit<CreateLoggerOptions, 'stream'> = {}) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = createLogger({ ...options, stream });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}

describe('createLogger', () => {
  it('writes one ECS JSON object per line with the service identity', () => {
    const { logger, lines, text } = memoryLogger();
    logger.info('first', { 'event.action': 'start' });
    logger.warn('second');
    expect(text().endsWith('\n')).toBe(true);
    const [first, second] = lines();
    const identity = serviceIdentity();
    expect(first).toMatchObject({
      message: 'first',
      'log.level': 'info',
      'ecs.version': expect.any(String),
      'service.name': identity.name,
      'service.version': identity.version,
      'service.environment': identity.environment,
      'service.instance.id': identity.instanceId,
      'event.action': 'start',
    });
    expect(Date.parse(first?.['@timestamp'] as string)).not.toBeNaN();
    expect(second?.['log.level']).toBe('warn');
  });

  it('puts trace.id and span.id of the active span in the line, and nothing outside a span', () => {
    const { logger, lines } = memoryLogger();
    const ids = trace.getTracer('test').startActiveSpan('handler', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = lines();
    expect(inside?.['trace.id']).toBe(ids.traceId);
    expect(inside?.['span.id']).toBe(ids.spanId);
    expect(outside).not.toHaveProperty('trace.id');
    expect(outside).not.toHaveProperty('span.id');
    // no OpenTelemetry-style duplicates
    expect(inside).not.toHaveProperty('trace_id');
  });

  it('turns an error given as err or error into ECS error fields', () => {
    const { logger, lines } = memoryLogger();
    class StoreError extends Error {}
    logger.error('save failed', { err: new StoreError('disk full') });
    logger.warn('upstream failed', { error: new TypeError('fetch failed') });
    const [first, second] = lines();
    expect(first?.['error']).toMatchObject({
      type: 'StoreError',
      message: 'disk full',
      stack_trace: expect.stringContaining('disk full'),
    });
    expect(second?.['error']).toMatchObject({ type: 'TypeError', message: 'fetch failed' });
  });

  it('folds a dotted key into an object of the same line, so Filebeat can expand every line', () => {
    const { logger, lines } = memoryLogger();
    const meta = { event: { dataset: 'http.access', duration: 5 }, http: { route: '/x' } };
    logger.info('GET /x 200 0ms', meta);
    class UpstreamError extends Error {
      readonly code = 'upstream_unavailable';
    }
    logger.error('upstream failed', {
      err: new UpstreamError('user-service answered 503'),
      'error.code': 'upstream_unavailable',
      'http.request.id': 'r-1',
    });
    const [access, failure] = lines();
    // the access log's own dataset stays; the formatter's dotted one is not written beside it
    expect(access?.['event']).toEqual({ dataset: 'http.access', duration: 5 });
    expect(access).not.toHaveProperty(['event.dataset']);
    expect(access).toHaveProperty(['service.name']);
    expect(failure?.['error']).toMatchObject({
      code: 'upstream_unavailable',
      type: 'UpstreamError',
    });
    expect(failure).not.toHaveProperty(['error.code']);
    // no object of the line to fold into: stays dotted
    expect(failure?.['http.request.id']).toBe('r-1');
    // the caller's objects are not changed
    expect(meta.event).toEqual({ dataset: 'http.access', duration: 5 });
  });

  it('defaults to level info and honours a given level', () => {
    const quiet = memoryLogger();
    quiet.logger.debug('hidden');
    quiet.logger.info('shown');
    expect(quiet.lines().map((line) => line['message'])).toEqual(['shown']);
    const verbose = memoryLogger({ level: 'debug' });
    verbose.logger.debug('shown');
    expect(verbose.lines()).toHaveLength(1);
  });
});
