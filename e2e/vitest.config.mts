import { meshProject } from '../vitest.shared.mts';

// Whole-mesh tests start real processes: one file at a time, generous timeouts.
export default meshProject(import.meta.dirname, 'e2e', {
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 120_000,
});
