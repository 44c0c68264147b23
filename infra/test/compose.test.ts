import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { gatewayEnvSchema } from '@mesh/gateway/config';
import { orderServiceEnvSchema } from '@mesh/order-service/config';
import { userServiceEnvSchema } from '@mesh/user-service/config';
import { parseLoadArgs } from '@mesh/tools/load';
import type { ComposeService } from './compose-model';
import {
  bindMountsOf,
  dependenciesOf,
  environmentOf,
  loadCompose,
  memoryLimitOf,
  publishedPortsOf,
  readDotEnv,
  replicasOf,
  repoRoot,
} from './compose-model';

// docker-compose.yml against the official Compose Specification schema and the project's rules
// (issue 9; docs/stack.md). Docker never runs here: this is what "validated" means for compose.

const { raw, model, missingVariables } = loadCompose();
const services = model.services;
const names = Object.keys(services);

/** The services compose must start (ARCHITECTURE.md, the shared brief). */
const EXPECTED_SERVICES = [
  'etcd',
  'postgres',
  'gateway',
  'user-service',
  'order-service',
  'load-generator',
  'otel-collector',
  'jaeger',
  'prometheus',
  'alertmanager',
  'grafana',
  'elasticsearch',
  'logstash',
  'kibana',
  'kibana-setup',
  'filebeat',
];

/** Host ports the stack may publish: the gateway API and the UIs, nothing else. */
const ALLOWED_PUBLISHED_PORTS = new Map([
  [8080, 'gateway'],
  [3000, 'grafana'],
  [16686, 'jaeger'],
  [5601, 'kibana'],
  [9090, 'prometheus'],
  [9093, 'alertmanager'],
]);

const MEMORY_BUDGET_BYTES = 4 * 1024 ** 3;

/** Services that run once and exit: no healthcheck, `restart: "no"`. */
const ONE_SHOT = new Map([['kibana-setup', 'imports the Kibana saved objects, then exits 0']]);

/** Long-running services without a healthcheck, and why (also written beside each in the file). */
const HEALTHCHECK_EXEMPT = new Map([
  [
    'otel-collector',
    'the contrib image is FROM scratch: no shell, no wget or curl, and the Collector has no probe ' +
      'subcommand; nothing waits on it (service_started), the native tests probe its health_check',
  ],
  [
    'load-generator',
    "the container's one process (init: true): when it fails it exits and restart: unless-stopped " +
      'starts it again; nothing waits on it',
  ],
]);

/** Images whose exact versions have two parts (their projects number releases major.minor). */
const TWO_PART_VERSIONS = new Map([['postgres', 'PostgreSQL releases are major.minor: 18.1']]);

/** Host paths outside the repository that compose mounts, and why they exist where Docker runs. */
const HOST_SYSTEM_MOUNTS = new Map([
  ['/var/lib/docker/containers', "the Docker engine's json-file logs, read by Filebeat"],
  ['/var/run/docker.sock', "the Docker API, for Filebeat's add_docker_metadata"],
]);

/** The env schema of each app service: the variables it knows are its keys (nothing copied). */
const APP_SCHEMAS = {
  gateway: gatewayEnvSchema,
  'user-service': userServiceEnvSchema,
  'order-service': orderServiceEnvSchema,
} as const;

function isLongRunning(name: string): boolean {
  return !ONE_SHOT.has(name);
}

function hasHealthcheck(service: ComposeService): boolean {
  const check = service.healthcheck;
  if (check === undefined || check.disable === true) return false;
  const test = check.test;
  if (test === undefined) return false;
  return !(Array.isArray(test) ? test[0] === 'NONE' : test === 'NONE');
}

describe('docker-compose.yml, the file', () => {
  it('validates against the Compose Specification JSON schema dclint ships', () => {
    const schemaFile = join(repoRoot, 'node_modules', 'dclint', 'schemas', 'compose.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
    // The schema names draft-07 by an https URL Ajv does not know; the keywords are draft-07's.
    delete schema['$schema'];
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(model);
    expect(ajv.errorsText(validate.errors, { separator: '\n' }), 'schema errors').toBe('No errors');
    expect(valid).toBe(true);
  });

  it('defines exactly the services of the stack', () => {
    expect([...names].sort()).toEqual([...EXPECTED_SERVICES].sort());
  });

  it('uses no variable that .env leaves undefined (every unset one has a default)', () => {
    expect(missingVariables).toEqual([]);
  });
});

describe('docker-compose.yml, images', () => {
  it.each(names)('%s: pinned to an exact version after .env interpolation', (name) => {
    const service = services[name] as ComposeService;
    if (service.build !== undefined) {
      // Built here: its base image is pinned by NODE_VERSION, checked on the Dockerfile below.
      expect(service.image, `${name} names its built image`).toMatch(/^[\w./-]+:[\w.-]+$/);
      return;
    }
    const image = service.image ?? '';
    expect(image, `${name} has an image`).not.toBe('');
    if (image.includes('@sha256:')) return;
    const lastSegment = image.split('/').at(-1) as string;
    const [repository, tag] = lastSegment.split(':');
    expect(tag, `${image} has a tag`).toBeDefined();
    expect(tag).not.toBe('latest');
    const exact = TWO_PART_VERSIONS.has(repository as string)
      ? /^v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/
      : /^v?\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/;
    expect(tag, `${image}: tag is an exact release`).toMatch(exact);
    // The tag comes from .env, the one place for versions: never written into the file.
    const rawImage = (raw.services[name] as ComposeService).image as string;
    expect(rawImage, `${name}: the version is a \${…_VERSION} from .env`).toMatch(
      /:\$\{[A-Z_]+_VERSION\}/,
    );
  });

  it('the Dockerfile takes the Node version from compose (from .env) and has no default of its own', () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] as string);
    const external = froms.filter((image) => image.includes(':'));
    expect(external.length).toBeGreaterThan(0);
    for (const image of external) expect(image).toBe('node:${NODE_VERSION}-bookworm-slim');
    expect(dockerfile).toMatch(/^ARG NODE_VERSION$/m);
    const env = readDotEnv();
    expect(env['NODE_VERSION']).toMatch(/^\d+\.\d+\.\d+$/);
    for (const name of names) {
      const build = services[name]?.build;
      if (build === undefined) continue;
      expect(typeof build === 'object' && build.args?.['NODE_VERSION'], name).toBe(
        env['NODE_VERSION'],
      );
    }
  });

  it("the Dockerfile copies every workspace's package.json before npm ci", () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const workspaces = root.workspaces.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(repoRoot, pattern.slice(0, -2)))
            .map((dir) => `${pattern.slice(0, -2)}/${dir}`)
            .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
        : [pattern],
    );
    expect(workspaces.length).toBeGreaterThan(5);
    for (const dir of workspaces) {
      expect(dockerfile, dir).toContain(`COPY ${dir}/package.json ${dir}/`);
    }
  });

  it('.dockerignore keeps host-installed and host-built output out of the build context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of ['**/node_modules', '**/dist', '.git', '.nx', 'logs', 'data']) {
      expect(ignored, entry).toContain(entry);
    }
  });

  it('the app services start a built entry point of an app that exists, with the telemetry preload', () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(
      'ENTRYPOINT ["node", "--require", "/app/libs/telemetry/dist/register.js"]',
    );
    expect(existsSync(join(repoRoot, 'libs', 'telemetry', 'src', 'register.ts'))).toBe(true);
    for (const app of Object.keys(APP_SCHEMAS)) {
      const command = services[app]?.command;
      expect(Array.isArray(command), app).toBe(true);
      expect((command as string[]).at(-1)).toBe(`apps/${app}/dist/main.js`);
      expect(existsSync(join(repoRoot, 'apps', app, 'src', 'main.ts')), app).toBe(true);
    }
  });
});

describe('docker-compose.yml, health and start order', () => {
  it.each(names.filter(isLongRunning))('%s: has a healthcheck or a written exemption', (name) => {
    const service = services[name] as ComposeService;
    if (HEALTHCHECK_EXEMPT.has(name)) {
      // The exemption stays honest: an exempted service really has none.
      expect(hasHealthcheck(service), `${name} is exempt but has a healthcheck`).toBe(false);
      return;
    }
    expect(hasHealthcheck(service), `${name} has no healthcheck`).toBe(true);
  });

  it('one-shot services do not restart', () => {
    for (const name of ONE_SHOT.keys()) {
      expect(services[name]?.restart, name).toBe('no');
      expect(hasHealthcheck(services[name] as ComposeService), name).toBe(false);
    }
  });

  it.each(names)(
    '%s: depends_on names existing services, each with a fitting condition',
    (name) => {
      for (const [target, { condition }] of Object.entries(
        dependenciesOf(services[name] as ComposeService),
      )) {
        expect(names, `${name} depends on ${target}`).toContain(target);
        expect(condition, `${name} → ${target} needs a condition`).toBeDefined();
        const targetService = services[target] as ComposeService;
        if (condition === 'service_healthy') {
          expect(hasHealthcheck(targetService), `${name} waits for ${target} to be healthy`).toBe(
            true,
          );
        }
        if (condition === 'service_completed_successfully') {
          expect(ONE_SHOT.has(target), `${target} must be one-shot`).toBe(true);
        }
      }
    },
  );
});

describe('docker-compose.yml, memory', () => {
  it.each(names)('%s: declares a memory limit', (name) => {
    expect(memoryLimitOf(services[name] as ComposeService), name).toBeGreaterThan(0);
  });

  it('the declared limits, replicas counted, add up to at most 4 GiB', () => {
    const rows = names.map((name) => {
      const service = services[name] as ComposeService;
      const each = memoryLimitOf(service) ?? Number.POSITIVE_INFINITY;
      return { name, each, replicas: replicasOf(service), total: each * replicasOf(service) };
    });
    const sum = rows.reduce((acc, row) => acc + row.total, 0);
    const mib = (bytes: number) => `${bytes / 1024 ** 2} MiB`;
    const table = rows.map((r) => `${r.name} ${mib(r.each)} × ${r.replicas}`).join(', ');
    expect(sum, `declared ${mib(sum)}: ${table}`).toBeLessThanOrEqual(MEMORY_BUDGET_BYTES);
  });

  it('the README states the declared sum', () => {
    const sum = names.reduce((acc, name) => {
      const service = services[name] as ComposeService;
      return acc + (memoryLimitOf(service) ?? 0) * replicasOf(service);
    }, 0);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(
      readme.includes(`${sum / 1024 ** 2} MiB`),
      `README.md names ${sum / 1024 ** 2} MiB`,
    ).toBe(true);
  });
});

describe('docker-compose.yml, what reaches the host', () => {
  it('publishes only the gateway API and the UIs, each by the service that owns the port', () => {
    for (const name of names) {
      const service = services[name] as ComposeService;
      expect(service.network_mode, `${name} must not share the host network`).not.toBe('host');
      for (const { host } of publishedPortsOf(service)) {
        expect(ALLOWED_PUBLISHED_PORTS.get(host), `${name} publishes ${host}`).toBe(name);
      }
    }
    const published = names.flatMap((name) =>
      publishedPortsOf(services[name] as ComposeService).map((p) => p.host),
    );
    expect([...published].sort()).toEqual([...ALLOWED_PUBLISHED_PORTS.keys()].sort());
  });

  it('every host file and directory it mounts exists', () => {
    const volumeNames = Object.keys(model.volumes ?? {});
    const mounts = names.flatMap((name) =>
      bindMountsOf(services[name] as ComposeService, volumeNames).map((m) => ({ name, ...m })),
    );
    expect(mounts.length).toBeGreaterThan(10);
    for (const { name, source } of mounts) {
      if (isAbsolute(source)) {
        expect(HOST_SYSTEM_MOUNTS.has(source), `${name} mounts host path ${source}`).toBe(true);
        continue;
      }
      expect(existsSync(join(repoRoot, source)), `${name} mounts ${source}`).toBe(true);
    }
  });

  it('every named volume a service uses is declared', () => {
    const declared = Object.keys(model.volumes ?? {});
    for (const name of names) {
      for (const volume of services[name]?.volumes ?? []) {
        if (typeof volume !== 'string') continue;
        const source = volume.split(':')[0] as string;
        if (source.startsWith('.') || isAbsolute(source)) continue;
        expect(declared, `${name} uses volume ${source}`).toContain(source);
      }
    }
  });
});

describe('docker-compose.yml, what the mesh services are given', () => {
  it.each(Object.keys(APP_SCHEMAS))(
    '%s: every variable is one its config schema knows (or a standard OTEL_*)',
    (app) => {
      const schema = APP_SCHEMAS[app as keyof typeof APP_SCHEMAS];
      const known = new Set(Object.keys(schema.shape));
      const env = environmentOf(services[app] as ComposeService);
      const unknown = Object.keys(env).filter((key) => !known.has(key) && !key.startsWith('OTEL_'));
      expect(unknown).toEqual([]);
    },
  );

  it.each(Object.keys(APP_SCHEMAS))('%s: its environment passes its config schema', (app) => {
    const schema = APP_SCHEMAS[app as keyof typeof APP_SCHEMAS];
    const env = environmentOf(services[app] as ComposeService);
    const result = schema.safeParse(env);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it("the load generator runs `npm run load`'s built entry with flags it accepts", () => {
    const service = services['load-generator'] as ComposeService;
    const [entry, ...flags] = service.command as string[];
    expect(entry).toBe('tools/dist/load/main.js');
    expect(existsSync(join(repoRoot, 'tools', 'src', 'load', 'main.ts'))).toBe(true);
    expect(parseLoadArgs(flags)).toMatchObject({ profile: 'steady', durationMs: 'forever' });
    expect(environmentOf(service)).toEqual({});
  });

  it('the mesh containers carry the label Filebeat ships by, and log to json-file', () => {
    for (const app of Object.keys(APP_SCHEMAS)) {
      const service = services[app] as ComposeService;
      expect(service.labels, app).toEqual({ 'observable-mesh.logs': 'true' });
      expect((service['logging'] as { driver?: string } | undefined)?.driver, app).toBe(
        'json-file',
      );
    }
  });

  it('user-service and order-service run two replicas each', () => {
    expect(replicasOf(services['user-service'] as ComposeService)).toBe(2);
    expect(replicasOf(services['order-service'] as ComposeService)).toBe(2);
  });
});
