import { afterEach, describe, expect, it } from 'vitest';
import { createResource, identityAttributes } from './resource';

const identity = {
  name: 'order-service',
  version: '1.2.3',
  instanceId: 'order-1',
  environment: 'ci',
};

describe('createResource', () => {
  it('carries the service identity under semantic-convention names', () => {
    expect(identityAttributes(identity)).toEqual({
      'service.name': 'order-service',
      'service.version': '1.2.3',
      'service.instance.id': 'order-1',
      'deployment.environment.name': 'ci',
    });
    const resource = createResource(identity);
    expect(resource.asyncAttributesPending).toBeFalsy();
    expect(resource.attributes).toMatchObject({
      ...identityAttributes(identity),
      'telemetry.sdk.language': 'nodejs',
      'process.pid': process.pid,
      'host.name': expect.any(String),
    });
  });

  it('lets the identity win over the same keys in OTEL_RESOURCE_ATTRIBUTES, keeps the others', () => {
    process.env['OTEL_RESOURCE_ATTRIBUTES'] = 'service.instance.id=from-env,team=payments';
    const resource = createResource(identity);
    expect(resource.attributes['service.instance.id']).toBe('order-1');
    expect(resource.attributes['team']).toBe('payments');
  });
});

const saved = process.env['OTEL_RESOURCE_ATTRIBUTES'];
afterEach(() => {
  if (saved === undefined) delete process.env['OTEL_RESOURCE_ATTRIBUTES'];
  else process.env['OTEL_RESOURCE_ATTRIBUTES'] = saved;
});
