import { describe, expect, it } from 'vitest';
import {
  backendOffsetOf,
  backendPorts,
  DEFAULT_BACKEND_PORTS,
  MAX_BACKEND_PORT_OFFSET,
} from './ports';

describe('the native backends port plan', () => {
  it('shifts every port by the offset and keeps them distinct', () => {
    const ports = backendPorts(100);
    for (const [name, port] of Object.entries(DEFAULT_BACKEND_PORTS)) {
      expect(ports[name as keyof typeof ports], name).toBe(port + 100);
    }
    const all = Object.values(DEFAULT_BACKEND_PORTS);
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps the highest allowed offset inside the TCP port range', () => {
    expect(Math.max(...Object.values(backendPorts(MAX_BACKEND_PORT_OFFSET)))).toBe(65_535);
  });

  it('reads the offset back from either OTLP/HTTP receiver, and nothing from another port', () => {
    expect(backendOffsetOf(new URL('http://127.0.0.1:4318'))).toBe(0);
    expect(backendOffsetOf(new URL('http://127.0.0.1:4418'))).toBe(100);
    expect(backendOffsetOf(new URL('http://127.0.0.1:14318/v1/traces'))).toBe(0);
    expect(backendOffsetOf(new URL('http://127.0.0.1:14323'))).toBe(5);
    expect(backendOffsetOf(new URL('http://collector.example'))).toBeUndefined();
  });
});
