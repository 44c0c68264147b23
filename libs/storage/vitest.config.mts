import { meshProject } from '../../vitest.shared.mts';

export default meshProject(import.meta.dirname, 'storage');
