import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  markReported,
  reportTelemetryWarning,
  setTelemetryWarningHandler,
  wasReported,
} from './telemetry-warnings';

afterEach(() => {
  setTelemetryWarningHandler(undefined);
  vi.restoreAllMocks();
});

describe('telemetry warnings', () => {
  it('go to the handler a service installed, with the underlying error', () => {
    const seen: Array<[string, Error | undefined]> = [];
    setTelemetryWarningHandler((message, error) => seen.push([message, error]));
    const cause = new Error('ECONNREFUSED');
    reportTelemetryWarning('trace export failed', cause);
    reportTelemetryWarning('plain');
    expect(seen).toEqual([
      ['trace export failed', cause],
      ['plain', undefined],
    ]);
  });

  it('by default are one line on stderr', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    reportTelemetryWarning('trace export failed');
    expect(write).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledWith('telemetry: trace export failed\n');
  });

  it('survive a handler that throws', () => {
    setTelemetryWarningHandler(() => {
      throw new Error('logger closed');
    });
    expect(() => reportTelemetryWarning('x')).not.toThrow();
  });

  it('remember which errors were already reported', () => {
    const told = new Error('told');
    markReported(told);
    expect(wasReported(told)).toBe(true);
    expect(wasReported(new Error('told'))).toBe(false);
    expect(wasReported('text')).toBe(false);
  });
});
