import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'libs/*/vitest.config.mts',
      'apps/*/vitest.config.mts',
      'tools/vitest.config.mts',
      'infra/vitest.config.mts',
      'e2e/vitest.config.mts',
    ],
  },
});
