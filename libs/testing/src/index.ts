export { findExecutable, requireEngine } from './engine';
export type { EngineLookup } from './engine';
export { requireEtcd, startEtcd } from './etcd-server';
export type { EtcdServer, StartEtcdOptions } from './etcd-server';
export { freePort } from './free-port';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
