import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gatewayEnvSchema } from '@mesh/gateway/config';
import { orderServiceEnvSchema } from '@mesh/order-service/config';
import { userServiceEnvSchema } from '@mesh/user-service/config';
import { parseLoadArgs } from '@mesh/tools/load';
import type { ComposeService } from './compose-model';
import {
  bindMountsOf,
  environmentOf,
  loadCompose,
  memoryLimitOf,
  publishedPortsOf,
  repoRoot,
} from './compose-model';

// Every address docker-compose.yml hands to a service — the OTLP endpoint, the Jaeger exporter's
// URL, ETCD_ENDPOINTS, DATABASE_URL, the hosts in the backends' own configs — must be one that the
// receiving side listens on: the Collector, Jaeger, Prometheus, Logstash, Filebeat and Kibana
// configs are read as the containers would resolve them (their `${env:X:-default}` / `${X:default}`
// with the env compose gives that container), so each address has one source and is checked
// against the other side. docs/stack.md shows the wiring; compose never runs here.

const { model } = loadCompose();
const services = model.services;
const volumeNames = Object.keys(model.volumes ?? {});

function service(name: string): ComposeService {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function readYaml(path: string): Record<string, unknown> {
  return parse(readFileSync(join(repoRoot, path), 'utf8')) as Record<string, unknown>;
}

/**
 * The value at a dotted path. Beats and Kibana configs also write dotted keys literally
 * (`output.logstash:`, `server.port:`), so each step takes the longest key that matches.
 */
function at(node: unknown, path: string): unknown {
  const keys = path.split('.');
  if (keys.length === 0 || node === null || typeof node !== 'object') return undefined;
  const map = node as Record<string, unknown>;
  for (let take = keys.length; take >= 1; take--) {
    const key = keys.slice(0, take).join('.');
    if (!(key in map)) continue;
    if (take === keys.length) return map[key];
    const found = at(map[key], keys.slice(take).join('.'));
    if (found !== undefined) return found;
  }
  return undefined;
}

function text(node: unknown, path: string): string {
  const value = at(node, path);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`${path} is not set`);
  }
  return String(value);
}

/** `${env:NAME:-default}` as the Collector (and Jaeger v2) resolve it in the container's env. */
function collectorValue(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_whole, name: string, fallback?: string) => env[name] ?? fallback ?? '',
  );
}

/** `${NAME:default}` as Beats and Logstash resolve it. */
function beatsValue(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^}]*))?\}/g,
    (_whole, name: string, fallback?: string) => env[name] ?? fallback ?? '',
  );
}

interface Address {
  host: string;
  port: number;
}

/** host:port of a URL or of a bare `host:port`; a URL without a port gets its scheme's. */
function address(value: string): Address {
  if (!value.includes('://')) {
    const at = value.lastIndexOf(':');
    return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
  }
  const url = new URL(value);
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'postgres:': 5432 };
  const port = url.port === '' ? (defaults[url.protocol] ?? Number.NaN) : Number(url.port);
  return { host: url.hostname, port };
}

/** The value of a `--flag=value` in a service's command. */
function flag(name: string, flagName: string): string | undefined {
  const command = service(name).command;
  const args = Array.isArray(command) ? command : String(command ?? '').split(/\s+/);
  const prefix = `--${flagName}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** The container path where a service mounts a host path of the repository. */
function mountTarget(name: string, hostPath: string): string {
  const mount = bindMountsOf(service(name), volumeNames).find(
    (m) => m.source.replace(/^\.\//, '') === hostPath,
  );
  if (mount === undefined) throw new Error(`${name} does not mount ./${hostPath}`);
  return mount.target;
}

const meshApps = ['gateway', 'user-service', 'order-service'] as const;
const meshEnv = Object.fromEntries(
  meshApps.map((app) => [app, environmentOf(service(app))]),
) as Record<(typeof meshApps)[number], Record<string, string>>;
/** Each app's settings as its own schema parses what compose gives it (the ports it listens on). */
const meshConfig: Record<(typeof meshApps)[number], { PORT: number; ADMIN_PORT: number }> = {
  gateway: gatewayEnvSchema.parse(meshEnv.gateway),
  'user-service': userServiceEnvSchema.parse(meshEnv['user-service']),
  'order-service': orderServiceEnvSchema.parse(meshEnv['order-service']),
};

const collectorEnv = environmentOf(service('otel-collector'));
const collector = readYaml('infra/otel-collector/config.yaml');
const collectorAt = (path: string) => collectorValue(text(collector, path), collectorEnv);

const jaegerEnv = environmentOf(service('jaeger'));
const jaeger = readYaml('infra/jaeger/config.yaml');
const jaegerAt = (path: string) => collectorValue(text(jaeger, path), jaegerEnv);

describe('traces: services → Collector → Jaeger', () => {
  it('the Collector config compose mounts is the one its command reads', () => {
    expect(flag('otel-collector', 'config')).toBe(
      mountTarget('otel-collector', 'infra/otel-collector/config.yaml'),
    );
    expect(flag('jaeger', 'config')).toBe(mountTarget('jaeger', 'infra/jaeger/config.yaml'));
  });

  it.each(meshApps)("%s's OTLP endpoint is the Collector's OTLP/HTTP receiver", (app) => {
    const env = meshEnv[app];
    expect(env['OTEL_EXPORTER_OTLP_PROTOCOL']).toMatch(/^http\//);
    const target = address(env['OTEL_EXPORTER_OTLP_ENDPOINT'] as string);
    expect(target.host).toBe('otel-collector');
    expect(target.port).toBe(address(collectorAt('receivers.otlp.protocols.http.endpoint')).port);
  });

  it.each(meshApps)(
    "%s's Jaeger-exporter URL (the deprecated switch) is Jaeger's Thrift-over-HTTP receiver",
    (app) => {
      const url = meshEnv[app]['OTEL_EXPORTER_JAEGER_ENDPOINT'] as string;
      expect(new URL(url).pathname).toBe('/api/traces');
      const target = address(url);
      expect(target.host).toBe('jaeger');
      expect(target.port).toBe(
        address(jaegerAt('receivers.jaeger.protocols.thrift_http.endpoint')).port,
      );
      expect(at(jaeger, 'service.pipelines.traces.receivers')).toContain('jaeger');
    },
  );

  it("the Collector's trace exporter reaches Jaeger's OTLP/gRPC receiver", () => {
    const exporters = Object.keys(at(collector, 'exporters') as Record<string, unknown>);
    const toJaeger = exporters.filter((name) => name.startsWith('otlp_grpc/') || name === 'otlp');
    expect(toJaeger.length).toBe(1);
    const target = address(collectorAt(`exporters.${toJaeger[0]}.endpoint`));
    expect(target.host).toBe('jaeger');
    expect(target.port).toBe(address(jaegerAt('receivers.otlp.protocols.grpc.endpoint')).port);
  });

  it('memory_limiter and Jaeger storage fit the containers compose gives them', () => {
    const collectorLimitMib = Number(collectorAt('processors.memory_limiter.limit_mib'));
    const collectorMib = (memoryLimitOf(service('otel-collector')) as number) / 1024 ** 2;
    expect(collectorLimitMib).toBeGreaterThan(0);
    expect(collectorLimitMib).toBeLessThan(collectorMib);
    // The config's default (10000) is for a native run; compose bounds it for its 144m.
    const maxTraces = Number(
      jaegerAt('extensions.jaeger_storage.backends.memstore.memory.max_traces'),
    );
    expect(maxTraces).toBeGreaterThan(0);
    expect(maxTraces).toBeLessThan(10_000);
  });

  it("Jaeger's UI config is the file compose mounts, and its query port is the one published", () => {
    expect(jaegerAt('extensions.jaeger_query.ui.config_file')).toBe(
      mountTarget('jaeger', 'infra/jaeger/ui-config.json'),
    );
    const queryPort = address(jaegerAt('extensions.jaeger_query.http.endpoint')).port;
    expect(publishedPortsOf(service('jaeger'))).toContainEqual({
      host: 16686,
      container: queryPort,
    });
  });

  it("Jaeger's healthcheck asks its health extension", () => {
    const test = (service('jaeger').healthcheck?.test ?? []) as string[];
    const url = test.find((arg) => arg.startsWith('http://')) as string;
    expect(address(url).port).toBe(
      address(jaegerAt('extensions.healthcheckv2.http.endpoint')).port,
    );
  });

  it("Jaeger's links to Kibana use the port Kibana is published on", () => {
    const ui = JSON.parse(readFileSync(join(repoRoot, 'infra/jaeger/ui-config.json'), 'utf8')) as {
      linkPatterns: { url: string }[];
    };
    const kibanaHostPort = publishedPortsOf(service('kibana'))[0]?.host;
    expect(ui.linkPatterns.length).toBeGreaterThan(0);
    for (const link of ui.linkPatterns) {
      expect(address(link.url.replace(/#.*$/, ''))).toEqual({
        host: 'localhost',
        port: kibanaHostPort,
      });
    }
  });
});

describe("Kibana's links back to Jaeger", () => {
  it('the trace.id URL formatter of the Kibana data view opens the published Jaeger UI', () => {
    const objects = readFileSync(join(repoRoot, 'infra/elk/kibana/saved-objects.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { attributes?: { fieldFormatMap?: string } });
    const templates = objects.flatMap((object) => {
      const map = object.attributes?.fieldFormatMap;
      if (map === undefined) return [];
      const formats = JSON.parse(map) as Record<string, { params?: { urlTemplate?: string } }>;
      const template = formats['trace.id']?.params?.urlTemplate;
      return template === undefined ? [] : [template];
    });
    expect(templates.length).toBeGreaterThan(0);
    const jaegerHostPort = publishedPortsOf(service('jaeger'))[0]?.host;
    for (const template of templates) {
      expect(address(new URL(template.replace('{{value}}', 'x')).origin)).toEqual({
        host: 'localhost',
        port: jaegerHostPort,
      });
    }
  });
});

describe('discovery and storage', () => {
  it.each(meshApps)("%s's ETCD_ENDPOINTS is etcd's advertised and listening client URL", (app) => {
    const endpoints = (meshEnv[app]['ETCD_ENDPOINTS'] as string).split(',');
    const listen = address(flag('etcd', 'listen-client-urls') as string);
    const advertised = (flag('etcd', 'advertise-client-urls') as string).split(',');
    for (const endpoint of endpoints) {
      expect(advertised).toContain(endpoint);
      expect(address(endpoint)).toEqual({ host: 'etcd', port: listen.port });
    }
    expect(meshEnv[app]['REGISTRY']).toBe('etcd');
  });

  /** Role, database and password variable of each service, as the init script creates them. */
  function initScriptRoles(): Map<string, { database: string; passwordVariable: string }> {
    const script = readFileSync(
      join(repoRoot, 'infra/postgres/init/10-service-databases.sh'),
      'utf8',
    );
    const psqlVariables = new Map(
      [...script.matchAll(/-v (\w+)="\$(\w+)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const roles = new Map<string, { database: string; passwordVariable: string }>();
    for (const m of script.matchAll(/CREATE ROLE (\w+) LOGIN PASSWORD :'(\w+)'/g)) {
      const role = m[1] as string;
      const database = new RegExp(`CREATE DATABASE (\\w+) OWNER ${role};`).exec(script)?.[1];
      roles.set(role, {
        database: database ?? '',
        passwordVariable: psqlVariables.get(m[2] as string) ?? '',
      });
    }
    return roles;
  }

  it.each(['user-service', 'order-service'] as const)(
    "%s's DATABASE_URL is a role, database and password PostgreSQL's init script creates",
    (app) => {
      const url = new URL(meshEnv[app]['DATABASE_URL'] as string);
      expect(address(url.href)).toEqual({ host: 'postgres', port: 5432 });
      expect(service('postgres').command).not.toContain('port');
      expect(mountTarget('postgres', 'infra/postgres/init')).toBe('/docker-entrypoint-initdb.d');
      const role = initScriptRoles().get(url.username);
      expect(role, `the init script creates role ${url.username}`).toBeDefined();
      expect(url.pathname).toBe(`/${role?.database}`);
      const postgresEnv = environmentOf(service('postgres'));
      expect(decodeURIComponent(url.password)).toBe(postgresEnv[role?.passwordVariable ?? '']);
    },
  );
});

describe('metrics: Prometheus → every instance, the Collector, Alertmanager; Grafana → the backends', () => {
  const prometheus = readYaml('infra/prometheus/prometheus.yml');
  const scrapeConfigs = prometheus['scrape_configs'] as {
    job_name: string;
    dns_sd_configs?: { names: string[]; type: string; port: number }[];
    static_configs?: { targets: string[] }[];
  }[];
  const job = (name: string) => scrapeConfigs.find((c) => c.job_name === name);

  it('the config and its rule files are what compose mounts', () => {
    expect(flag('prometheus', 'config.file')).toBe(
      `${mountTarget('prometheus', 'infra/prometheus')}/prometheus.yml`,
    );
    expect(service('prometheus').command).toContain('--enable-feature=exemplar-storage');
  });

  it.each(meshApps)('job %s finds every replica of its service by DNS on its admin port', (app) => {
    const sd = job(app)?.dns_sd_configs;
    expect(sd, `job ${app} uses DNS service discovery`).toHaveLength(1);
    expect(sd?.[0]).toMatchObject({ names: [app], type: 'A', port: meshConfig[app].ADMIN_PORT });
  });

  it("job otel-collector scrapes the Collector's span-metrics exporter", () => {
    const targets = job('otel-collector')?.static_configs?.flatMap((c) => c.targets) ?? [];
    expect(targets.map(address)).toEqual([
      { host: 'otel-collector', port: address(collectorAt('exporters.prometheus.endpoint')).port },
    ]);
  });

  it('alerts go to the Alertmanager service on the port it is published and listens on', () => {
    const targets = (
      at(prometheus, 'alerting.alertmanagers') as { static_configs: { targets: string[] }[] }[]
    ).flatMap((a) => a.static_configs.flatMap((c) => c.targets));
    // Alertmanager listens on its default :9093 (compose passes no --web.listen-address).
    expect(flag('alertmanager', 'web.listen-address')).toBeUndefined();
    expect(targets.map(address)).toEqual([{ host: 'alertmanager', port: 9093 }]);
    expect(publishedPortsOf(service('alertmanager'))).toEqual([{ host: 9093, container: 9093 }]);
  });

  it("Grafana's datasources name compose services on the ports those listen on", () => {
    const datasources = (
      readYaml('grafana/provisioning/datasources/datasources.yml')['datasources'] as {
        type: string;
        url: string;
      }[]
    ).map((d) => ({ type: d.type, ...address(d.url) }));
    const queryPort = address(jaegerAt('extensions.jaeger_query.http.endpoint')).port;
    expect(datasources).toEqual(
      expect.arrayContaining([
        { type: 'prometheus', host: 'prometheus', port: 9090 },
        { type: 'jaeger', host: 'jaeger', port: queryPort },
        { type: 'elasticsearch', host: 'elasticsearch', port: 9200 },
      ]),
    );
    for (const d of datasources) expect(Object.keys(services)).toContain(d.host);
    expect(mountTarget('grafana', 'grafana/provisioning')).toBe('/etc/grafana/provisioning');
    // The home dashboard is a file of the mounted dashboards directory.
    const home =
      environmentOf(service('grafana'))['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? '';
    const dashboardsMount = mountTarget('grafana', 'grafana/dashboards');
    expect(home.startsWith(`${dashboardsMount}/`), home).toBe(true);
    expect(
      existsSync(join(repoRoot, 'grafana/dashboards', home.slice(dashboardsMount.length + 1))),
    ).toBe(true);
    expect(mountTarget('grafana', 'grafana/dashboards')).toBe(
      at(readYaml('grafana/provisioning/dashboards/dashboards.yml'), 'providers.0.options.path'),
    );
  });
});

describe('logs: containers → Filebeat → Logstash → Elasticsearch ← Kibana', () => {
  const pipeline = readFileSync(join(repoRoot, 'infra/elk/logstash/pipeline/mesh.conf'), 'utf8');
  const logstashEnv = environmentOf(service('logstash'));

  it("Filebeat's output is Logstash's beats input", () => {
    const filebeat = readYaml('infra/elk/filebeat/filebeat.yml');
    const hosts = at(filebeat, 'output.logstash.hosts') as string[];
    const filebeatEnv = environmentOf(service('filebeat'));
    const beatsPort = Number(/beats\s*\{[^}]*\bport\s*=>\s*(\d+)/.exec(pipeline)?.[1]);
    expect(hosts.map((h) => address(beatsValue(h, filebeatEnv)))).toEqual([
      { host: 'logstash', port: beatsPort },
    ]);
  });

  it("Logstash's Elasticsearch output is the elasticsearch service", () => {
    const hosts = /elasticsearch\s*\{[^}]*hosts\s*=>\s*\["([^"]+)"\]/.exec(pipeline)?.[1] as string;
    expect(address(beatsValue(hosts, logstashEnv))).toEqual({ host: 'elasticsearch', port: 9200 });
    // The compose value and the pipeline's default agree: either alone gives the same address.
    expect(address(beatsValue(hosts, {}))).toEqual({ host: 'elasticsearch', port: 9200 });
  });

  it('Kibana and kibana-setup reach Elasticsearch, and Kibana listens where it is published', () => {
    const kibana = readYaml('infra/elk/kibana/kibana.yml');
    const kibanaEnv = environmentOf(service('kibana'));
    for (const host of [
      ...(at(kibana, 'elasticsearch.hosts') as string[]),
      kibanaEnv['ELASTICSEARCH_HOSTS'] as string,
      environmentOf(service('kibana-setup'))['ELASTICSEARCH_URL'] as string,
    ]) {
      expect(address(host)).toEqual({ host: 'elasticsearch', port: 9200 });
    }
    const serverPort = Number(at(kibana, 'server.port'));
    expect(publishedPortsOf(service('kibana'))).toEqual([{ host: 5601, container: serverPort }]);
    expect(address(environmentOf(service('kibana-setup'))['KIBANA_URL'] as string)).toEqual({
      host: 'kibana',
      port: serverPort,
    });
  });

  it('the Logstash and Filebeat healthchecks ask the ports their configs open', () => {
    const logstashYml = readYaml('infra/elk/logstash/logstash.yml');
    const filebeat = readYaml('infra/elk/filebeat/filebeat.yml');
    const probe = (name: string) => {
      const test = service(name).healthcheck?.test;
      const line = Array.isArray(test) ? test.join(' ') : String(test);
      return Number(/http:\/\/localhost:(\d+)/.exec(line)?.[1]);
    };
    expect(probe('logstash')).toBe(Number(at(logstashYml, 'api.http.port')));
    expect(probe('filebeat')).toBe(Number(at(filebeat, 'http.port')));
  });
});

describe('the gateway and the load generator', () => {
  it('the gateway listens on the port compose publishes and the load generator calls', () => {
    const port = meshConfig.gateway.PORT;
    expect(publishedPortsOf(service('gateway'))).toEqual([{ host: 8080, container: port }]);
    const target = address(
      parseLoadArgs((service('load-generator').command as string[]).slice(1)).target,
    );
    expect(target).toEqual({ host: 'gateway', port });
  });
});
