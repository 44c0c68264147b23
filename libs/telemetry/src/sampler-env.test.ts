// buildSamplerFromEnv is the SDK's own reading of OTEL_TRACES_SAMPLER(_ARG) (what NodeSDK uses
// when no sampler is passed); it is not re-exported from the package index.
import { buildSamplerFromEnv } from '@opentelemetry/sdk-trace-base/build/src/config';
import { afterEach, describe, expect, it } from 'vitest';
import { samplerFromEnv } from './propagation-only-tracing';

const KEYS = ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'] as const;
const saved = KEYS.map((k) => process.env[k]);

afterEach(() => {
  KEYS.forEach((k, i) => {
    if (saved[i] === undefined) delete process.env[k];
    else process.env[k] = saved[i];
  });
});

/** [OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG], undefined = unset. */
const CASES: [string | undefined, string | undefined][] = [
  [undefined, undefined],
  ['', undefined],
  ['   ', undefined],
  ['always_on', undefined],
  ['always_off', undefined],
  ['parentbased_always_on', undefined],
  ['parentbased_always_off', undefined],
  ['traceidratio', '0.25'],
  ['traceidratio', undefined],
  ['traceidratio', ''],
  ['traceidratio', 'half'],
  ['traceidratio', '1.5'],
  ['traceidratio', '-0.1'],
  ['traceidratio', ' 0.5 '],
  ['traceidratio', '0'],
  ['parentbased_traceidratio', '0.1'],
  ['parentbased_traceidratio', 'x'],
  ['ALWAYS_OFF', undefined],
  [' always_off ', undefined],
  ['jaeger_remote', undefined],
];

describe('samplerFromEnv agrees with the SDK', () => {
  it.each(CASES)('OTEL_TRACES_SAMPLER=%j OTEL_TRACES_SAMPLER_ARG=%j', (name, arg) => {
    const env: Record<string, string> = {};
    KEYS.forEach((k) => delete process.env[k]);
    if (name !== undefined) env['OTEL_TRACES_SAMPLER'] = name;
    if (arg !== undefined) env['OTEL_TRACES_SAMPLER_ARG'] = arg;
    Object.assign(process.env, env);
    expect(samplerFromEnv(env).toString()).toBe(buildSamplerFromEnv().toString());
  });
});
