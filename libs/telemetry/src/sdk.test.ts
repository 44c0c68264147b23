import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { sdkDisabled, shutdownTelemetry, startTelemetry, telemetryStatus } from './sdk';

describe('sdkDisabled', () => {
  it('is true only for "true" in any case, as the SDK reads it', () => {
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'true' })).toBe(true);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: ' TRUE ' })).toBe(true);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: '1' })).toBe(false);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'false' })).toBe(false);
    expect(sdkDisabled({})).toBe(false);
  });
});

// Starting the real SDK patches modules of the process, so it is tested in child processes
// (test/*.test.ts); here only the paths that register nothing.
describe('startTelemetry / shutdownTelemetry without the SDK', () => {
  it('before start the status is not-started and shutdown resolves at once', async () => {
    expect(telemetryStatus()).toBe('not-started');
    await expect(shutdownTelemetry()).resolves.toBeUndefined();
  });

  it('with OTEL_SDK_DISABLED=true starts nothing, then stays disabled', () => {
    expect(startTelemetry({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'console' })).toBe(
      'disabled',
    );
    expect(telemetryStatus()).toBe('disabled');
    expect(trace.getTracer('x').startSpan('s').isRecording()).toBe(false);
    expect(startTelemetry({})).toBe('disabled');
  });
});
