import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  isUntracedRequest,
  MESH_INSTRUMENTATIONS,
  meshInstrumentationConfig,
  meshInstrumentations,
} from './instrumentations';

const request = (method: string, url: string) => ({ method, url }) as IncomingMessage;

describe('isUntracedRequest', () => {
  it('skips scrapes and probes', () => {
    expect(isUntracedRequest(request('GET', '/metrics'))).toBe(true);
    expect(isUntracedRequest(request('GET', '/health/ready?verbose=1'))).toBe(true);
    expect(isUntracedRequest(request('HEAD', '/health/live'))).toBe(true);
  });

  it('traces everything else', () => {
    expect(isUntracedRequest(request('GET', '/api/orders'))).toBe(false);
    expect(isUntracedRequest(request('POST', '/metrics'))).toBe(false);
    expect(isUntracedRequest(request('GET', '/metrics/extra'))).toBe(false);
  });
});

describe('meshInstrumentationConfig', () => {
  it('switches off every instrumentation the mesh does not use, fs and dns included', () => {
    const config = meshInstrumentationConfig() as Record<string, { enabled?: boolean }>;
    const off = Object.keys(config).filter((name) => config[name]?.enabled === false);
    expect(off).toContain('@opentelemetry/instrumentation-fs');
    expect(off).toContain('@opentelemetry/instrumentation-dns');
    expect(off).toContain('@opentelemetry/instrumentation-net');
    for (const name of MESH_INSTRUMENTATIONS) expect(off).not.toContain(name);
  });

  it('builds exactly the mesh instrumentations', () => {
    const built = meshInstrumentations();
    try {
      expect(built.map((i) => i.instrumentationName).sort()).toEqual(
        [...MESH_INSTRUMENTATIONS].sort(),
      );
    } finally {
      for (const instrumentation of built) instrumentation.disable();
    }
  });

  it('leaves winston unpatched: no trace_id fields and no log sending from the instrumentation', () => {
    // the logger writes ECS trace.id/span.id itself; logs leave through stdout
    expect(meshInstrumentationConfig()['@opentelemetry/instrumentation-winston']).toEqual({
      enabled: false,
    });
    expect(MESH_INSTRUMENTATIONS).not.toContain('@opentelemetry/instrumentation-winston');
  });
});
