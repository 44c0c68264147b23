export { detailFields, expectError } from './error-envelope';
export type { ErrorBody } from './error-envelope';
export { listen } from './http-server';
export type { TestServer } from './http-server';
export { staticUpstream } from './static-upstream';
export type { StaticUpstream } from './static-upstream';
export { testLogger } from './test-logger';
