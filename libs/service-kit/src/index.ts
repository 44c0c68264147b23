export { createAdminApp } from './admin-app';
export type { AdminAppDeps, InstanceIdentity } from './admin-app';
export { resolveAdminToken } from './admin-token';
export { ChaosController, chaosSettingsSchema } from './chaos';
export type { ChaosOptions, ChaosSettings, ChaosState } from './chaos';
export {
  ConfigError,
  EXIT_CONFIG,
  env,
  isConfigError,
  loadConfigOrExit,
  parseConfig,
  serviceEnvSchema,
  toServiceSettings,
} from './config';
export type { ServiceSettings } from './config';
export { createServiceApp } from './create-service-app';
export { DEPENDENCY_FAILED_HEADER, failedDependencyOf } from './dependency-failure';
export { deadlineMiddleware, requestDeadline } from './deadline-middleware';
export type { DeadlineMiddlewareOptions } from './deadline-middleware';
export type { ServiceAppDeps } from './create-service-app';
export { ERROR_STATUS, isErrorCode } from './error-codes';
export type { ErrorCode } from './error-codes';
export { errorHandler, routeNotFound, sendError, toHttpError } from './error-handler';
export type { ErrorEnvelope } from './error-handler';
export { HttpError, hasErrorCode, isHttpError, notFound, validationError } from './http-error';
export type { FieldIssue, HttpErrorOptions } from './http-error';
export { Readiness } from './readiness';
export type { ReadinessCheck, ReadinessReport } from './readiness';
export { REQUEST_ID_HEADER, currentTraceId, requestContext } from './request-context';
export type { RequestContext } from './request-context';
export { PortInUseError, exitOnSignals, isPortInUseError, startServers } from './run-service';
export type { RunningService, ServiceServersOptions } from './run-service';
export { instanceIdentity, serveUntilSignal } from './serve';
export type { RegistrationHandle, ServeOptions, ServiceInstance } from './serve';
export { parseOrThrow, plainText, toFieldIssues } from './validation';
export {
  createRegistry,
  discoveryEnvShape,
  requireRegistrySource,
  selfInstance,
  toDiscoverySettings,
} from './upstream/discovery-settings';
export type { DiscoverySettings } from './upstream/discovery-settings';
export {
  createDispatcher,
  isConnectRefused,
  isConnectionError,
  transportErrorKind,
} from './upstream/http-transport';
export type {
  TransportErrorKind,
  UpstreamRequest,
  UpstreamResponse,
} from './upstream/http-transport';
export {
  ResilientUpstream,
  isFailedResponse,
  isIdempotent,
  isUpstreamFailure,
} from './upstream/resilient-upstream';
export {
  isDependencyFailure,
  isRetryableResponse,
  retryAfterMsOf,
} from './upstream/response-classification';
export type { ResilientUpstreamOptions, UpstreamCall } from './upstream/resilient-upstream';
export { createUpstream, startDiscovery } from './upstream/upstream-factory';
export type { MeshDiscovery, Upstream } from './upstream/upstream-factory';
export { UpstreamPool } from './upstream/upstream-pool';
export type {
  AttemptOutcome,
  UpstreamInstanceStatus,
  UpstreamPoolOptions,
} from './upstream/upstream-pool';
export {
  BALANCER_KINDS,
  GATE_KINDS,
  UPSTREAM_DEFAULTS,
  toUpstreamSettings,
  upstreamEnvShape,
} from './upstream/upstream-settings';
export type { UpstreamSettings } from './upstream/upstream-settings';
