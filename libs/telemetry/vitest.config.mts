import { meshProject } from '../../vitest.shared.mts';

// OpenTelemetry packages export an extensionless ESM build under the `module` condition that
// Node cannot load once vitest externalizes it: resolve them as Node does (CommonJS `default`).
const conditions = ['@mesh/source', 'node', 'development|production'];
const base = meshProject(import.meta.dirname, 'telemetry');

export default {
  ...base,
  resolve: { ...base.resolve, conditions },
  ssr: { ...base.ssr, resolve: { ...base.ssr?.resolve, conditions } },
};
