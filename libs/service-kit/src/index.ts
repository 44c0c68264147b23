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
export type { ServeOptions } from './serve';
export {
  UpstreamClient,
  createDispatcher,
  isConnectRefused,
  isConnectionError,
} from './upstream-client';
export type { UpstreamClientOptions, UpstreamRequest, UpstreamResponse } from './upstream-client';
export { parseOrThrow, toFieldIssues } from './validation';
