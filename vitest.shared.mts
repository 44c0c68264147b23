import { defineProject } from 'vitest/config';
import type { UserWorkspaceConfig } from 'vitest/config';

/**
 * The one vitest setup every project shares: workspace libs resolve to their
 * TypeScript sources (the `@mesh/source` export condition), tests run in Node.
 */
export function meshProject(dir: string, name: string, test: UserWorkspaceConfig['test'] = {}) {
  // Not vite's default `module` condition: OpenTelemetry's packages map it to a bundler build
  // (extensionless ESM imports) that Node cannot load once vitest externalizes them.
  const conditions = ['@mesh/source', 'node', 'development|production'];
  return defineProject({
    root: dir,
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      ...test,
    },
  });
}
