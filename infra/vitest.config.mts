import { meshProject } from '../vitest.shared.mts';

// Checks of the stack's config files: the Compose schema, promtool, cross-references.
export default meshProject(import.meta.dirname, 'infra');
