export { findExecutable, requireEngine } from './engine';
export type { EngineLookup } from './engine';
export { freePort } from './free-port';
