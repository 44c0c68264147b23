import { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import type { IncomingMessage } from 'node:http';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import type { InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import type { Instrumentation } from '@opentelemetry/instrumentation';

type InstrumentationName = keyof InstrumentationConfigMap;

/** The libraries the mesh uses, each patched by its OpenTelemetry instrumentation. */
export const MESH_INSTRUMENTATIONS = [
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-express',
  '@opentelemetry/instrumentation-undici',
  '@opentelemetry/instrumentation-pg',
  '@opentelemetry/instrumentation-runtime-node',
  '@opentelemetry/instrumentation-host-metrics',
] as const satisfies readonly InstrumentationName[];

type MeshInstrumentationName = (typeof MESH_INSTRUMENTATIONS)[number];

const OFF = { enabled: false } as const;

/**
 * Everything else the auto-instrumentations bundle offers, switched off. The type lists every
 * name the installed bundle knows, so an upgrade that adds one fails to compile until it is
 * listed here (or used above).
 */
const UNUSED_INSTRUMENTATIONS: Record<
  Exclude<InstrumentationName, MeshInstrumentationName>,
  typeof OFF
> = {
  '@opentelemetry/instrumentation-amqplib': OFF,
  '@opentelemetry/instrumentation-aws-lambda': OFF,
  '@opentelemetry/instrumentation-aws-sdk': OFF,
  '@opentelemetry/instrumentation-bunyan': OFF,
  '@opentelemetry/instrumentation-cassandra-driver': OFF,
  '@opentelemetry/instrumentation-connect': OFF,
  '@opentelemetry/instrumentation-cucumber': OFF,
  '@opentelemetry/instrumentation-dataloader': OFF,
  '@opentelemetry/instrumentation-dns': OFF,
  '@opentelemetry/instrumentation-fs': OFF,
  '@opentelemetry/instrumentation-generic-pool': OFF,
  '@opentelemetry/instrumentation-graphql': OFF,
  '@opentelemetry/instrumentation-grpc': OFF,
  '@opentelemetry/instrumentation-hapi': OFF,
  '@opentelemetry/instrumentation-ioredis': OFF,
  '@opentelemetry/instrumentation-kafkajs': OFF,
  '@opentelemetry/instrumentation-knex': OFF,
  '@opentelemetry/instrumentation-koa': OFF,
  '@opentelemetry/instrumentation-lru-memoizer': OFF,
  '@opentelemetry/instrumentation-memcached': OFF,
  '@opentelemetry/instrumentation-mongodb': OFF,
  '@opentelemetry/instrumentation-mongoose': OFF,
  '@opentelemetry/instrumentation-mysql': OFF,
  '@opentelemetry/instrumentation-mysql2': OFF,
  '@opentelemetry/instrumentation-nestjs-core': OFF,
  '@opentelemetry/instrumentation-net': OFF,
  '@opentelemetry/instrumentation-openai': OFF,
  '@opentelemetry/instrumentation-oracledb': OFF,
  '@opentelemetry/instrumentation-pino': OFF,
  '@opentelemetry/instrumentation-redis': OFF,
  '@opentelemetry/instrumentation-restify': OFF,
  '@opentelemetry/instrumentation-router': OFF,
  '@opentelemetry/instrumentation-socket.io': OFF,
  '@opentelemetry/instrumentation-tedious': OFF,
  // The mesh's logger writes ECS `trace.id`/`span.id` itself and ships logs through stdout, so
  // with log correlation and log sending both off this instrumentation only wrapped every
  // `logger.write` for nothing.
  '@opentelemetry/instrumentation-winston': OFF,
};

/**
 * Requests polled every few seconds by Prometheus, orchestrators and the launcher. They still
 * count in the HTTP metrics' absence of a trace: no span is started for them, so Jaeger is not
 * flooded with scrapes.
 */
export const UNTRACED_PATHS: readonly string[] = ['/metrics', '/health/live', '/health/ready'];

/** Whether an incoming request is a probe or scrape that gets no span (see {@link UNTRACED_PATHS}). */
export function isUntracedRequest(request: IncomingMessage): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const url = request.url ?? '';
  const queryStart = url.indexOf('?');
  return UNTRACED_PATHS.includes(queryStart < 0 ? url : url.slice(0, queryStart));
}

/**
 * The configuration handed to `getNodeAutoInstrumentations`: the mesh's instrumentations with
 * their settings, every other one off. `OTEL_NODE_DISABLED_INSTRUMENTATIONS` can still switch a
 * mesh instrumentation off (e.g. `runtime-node`), because only host-metrics is forced on.
 */
export function meshInstrumentationConfig(): InstrumentationConfigMap {
  return {
    ...UNUSED_INSTRUMENTATIONS,
    '@opentelemetry/instrumentation-http': { ignoreIncomingRequestHook: isUntracedRequest },
    // Route spans only: a span per middleware and router layer multiplied the spans of a request
    // (28 of 35 for an order read) for nothing a reader needs; `http.route` is kept either way.
    '@opentelemetry/instrumentation-express': {
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
    },
    '@opentelemetry/instrumentation-undici': {},
    // Queries outside a request (readiness pings, key cleanup, migrations) make no root traces.
    '@opentelemetry/instrumentation-pg': { requireParentSpan: true },
    '@opentelemetry/instrumentation-runtime-node': {},
    // Off by default in the bundle; only the process groups: system-wide figures belong to the host.
    '@opentelemetry/instrumentation-host-metrics': {
      enabled: true,
      metricGroups: ['process.cpu', 'process.memory'],
    },
  };
}

/** Builds the mesh's instrumentations (not yet enabled: the SDK registers them). */
export function meshInstrumentations(): Instrumentation[] {
  return getNodeAutoInstrumentations(meshInstrumentationConfig());
}
