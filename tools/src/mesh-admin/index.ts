export { AdminClient, AdminError, isAdminError } from './admin-client';
export type { AdminClientOptions, Fault, FaultState, InstanceStatus } from './admin-client';
export { discoverMesh, gatewayAdminUrl, selectInstances } from './mesh-discovery';
export type { MeshInstance, MeshMap } from './mesh-discovery';
export {
  composeKillHint,
  DEFAULT_LAUNCHER_STATE,
  isProcessAlive,
  killInstance,
  KillRefusedError,
  readLauncherState,
  resolveAdminToken,
  waitForRestart,
} from './launcher-state';
export type { KillOptions, LauncherState } from './launcher-state';
export { parsePrometheusText, sumSamples } from './prometheus-text';
export type { MetricSample } from './prometheus-text';
