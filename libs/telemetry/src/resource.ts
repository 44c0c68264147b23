import { hostname } from 'node:os';
import {
  defaultResource,
  detectResources,
  envDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from './attribute-names';
import type { ServiceIdentity } from './service-identity';

/** The four identity attributes, exactly as {@link ServiceIdentity} holds them. */
export function identityAttributes(identity: ServiceIdentity): Record<string, string> {
  return {
    [ATTR_SERVICE_NAME]: identity.name,
    [ATTR_SERVICE_VERSION]: identity.version,
    [ATTR_SERVICE_INSTANCE_ID]: identity.instanceId,
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: identity.environment,
  };
}

/**
 * The resource every span and metric carries: SDK defaults, process details and `host.name`,
 * other attributes of `OTEL_RESOURCE_ATTRIBUTES`, and last the service identity, so the
 * resource and {@link ServiceIdentity} never disagree. Only synchronous detectors: the host
 * detector's asynchronous `host.id` would make an early `/metrics` scrape complain.
 */
export function createResource(identity: ServiceIdentity): Resource {
  return defaultResource()
    .merge(detectResources({ detectors: [processDetector, envDetector] }))
    .merge(resourceFromAttributes({ 'host.name': hostname(), ...identityAttributes(identity) }));
}
