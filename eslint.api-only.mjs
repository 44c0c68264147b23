/**
 * For libraries that must stay silent without an SDK (resilience, discovery): their code speaks to
 * `@opentelemetry/api` only — libs/telemetry alone owns the SDK — and knows nothing of Express.
 * Tests may use the SDK (in-memory readers and exporters).
 */
export const apiOnly = {
  files: ['src/**/*.ts'],
  ignores: ['src/**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [
              '@opentelemetry/sdk-*',
              '@opentelemetry/exporter-*',
              '@opentelemetry/auto-instrumentations-*',
              '@opentelemetry/instrumentation*',
              '@opentelemetry/resources',
            ],
            message: 'only libs/telemetry owns the OpenTelemetry SDK: use @opentelemetry/api',
          },
          { group: ['express'], message: 'this library knows nothing of HTTP frameworks' },
        ],
      },
    ],
  },
};
