export { staticUpstream } from './static-upstream';
export type { StaticUpstream } from './static-upstream';
