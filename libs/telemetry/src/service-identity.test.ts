import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPackageVersion, resolveServiceIdentity, serviceIdentity } from './service-identity';

const base = { hostname: 'box', pid: 42, randomSuffix: () => 'a1b2c3' };

describe('resolveServiceIdentity', () => {
  it('without any configuration falls back to the documented defaults', () => {
    expect(resolveServiceIdentity(base)).toEqual({
      name: 'unknown_service:node',
      version: '0.0.0',
      instanceId: 'box-42-a1b2c3',
      environment: 'development',
    });
  });

  it('takes the name from OTEL_SERVICE_NAME and the version from the package', () => {
    const identity = resolveServiceIdentity({
      ...base,
      serviceName: 'order-service',
      packageVersion: '1.4.0',
    });
    expect(identity.name).toBe('order-service');
    expect(identity.version).toBe('1.4.0');
  });

  it('takes instance id, environment and version from OTEL_RESOURCE_ATTRIBUTES', () => {
    const identity = resolveServiceIdentity({
      ...base,
      packageVersion: '1.4.0',
      resourceAttributes:
        'service.instance.id=order-2,deployment.environment.name=staging,service.version=9.9.9',
    });
    expect(identity).toEqual({
      name: 'unknown_service:node',
      version: '9.9.9',
      instanceId: 'order-2',
      environment: 'staging',
    });
  });

  it('prefers OTEL_SERVICE_NAME over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(
      resolveServiceIdentity({ ...base, serviceName: 'a', resourceAttributes: 'service.name=b' })
        .name,
    ).toBe('a');
    expect(resolveServiceIdentity({ ...base, resourceAttributes: 'service.name=b' }).name).toBe(
      'b',
    );
  });

  it('accepts the older deployment.environment key', () => {
    expect(
      resolveServiceIdentity({ ...base, resourceAttributes: 'deployment.environment=prod' })
        .environment,
    ).toBe('prod');
  });

  it('generates a different instance id for each random suffix (two processes on one host)', () => {
    let n = 0;
    const randomSuffix = () => String(++n);
    const first = resolveServiceIdentity({ ...base, randomSuffix });
    const second = resolveServiceIdentity({ ...base, randomSuffix });
    expect(first.instanceId).not.toBe(second.instanceId);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolveServiceIdentity(base))).toBe(true);
  });
});

describe('findPackageVersion', () => {
  const root = mkdtempSync(join(tmpdir(), 'mesh-identity-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds the nearest package.json above the entry script that has a version', () => {
    mkdirSync(join(root, 'apps/gateway/dist'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '0.1.0' }));
    writeFileSync(join(root, 'apps/gateway/package.json'), JSON.stringify({ version: '2.3.4' }));
    writeFileSync(join(root, 'apps/gateway/dist/package.json'), JSON.stringify({ type: 'x' }));
    expect(findPackageVersion(join(root, 'apps/gateway/dist/main.js'))).toBe('2.3.4');
  });

  it('answers undefined when no package.json up to the root has a version', () => {
    expect(findPackageVersion('/nonexistent-dir/a/b/main.js')).toBeUndefined();
  });
});

describe('serviceIdentity', () => {
  it('is computed once: every call returns the same values', () => {
    expect(serviceIdentity()).toBe(serviceIdentity());
  });

  it.skipIf(process.env['OTEL_RESOURCE_ATTRIBUTES'] !== undefined)(
    'without OTEL_RESOURCE_ATTRIBUTES generates <hostname>-<pid>-<6 hex digits>',
    () => {
      expect(serviceIdentity().instanceId).toMatch(new RegExp(`^.+-${process.pid}-[0-9a-f]{6}$`));
    },
  );
});
