import baseConfig from '../../eslint.config.mjs';
import { apiOnly } from '../../eslint.api-only.mjs';

// Tests start real engines through @mesh/testing; the library code itself depends on no workspace lib.
const boundaries = baseConfig.find((c) => c.rules?.['@nx/enforce-module-boundaries']).rules[
  '@nx/enforce-module-boundaries'
];
const [level, options] = boundaries;
const testBoundaries = {
  ...options,
  depConstraints: options.depConstraints.map((constraint) =>
    constraint.sourceTag === 'scope:discovery'
      ? {
          ...constraint,
          onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'scope:testing'],
        }
      : constraint,
  ),
};

export default [
  ...baseConfig,
  apiOnly,
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': [level, testBoundaries] },
  },
];
