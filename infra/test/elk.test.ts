import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { kqlToQueryString, requireEngine } from '@mesh/testing';
import { isJsonObject } from '@mesh/tools/backends';
import type { JsonObject } from '@mesh/tools/backends';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Static cross-checks of the ELK configs (infra/elk/, docs/logs.md): Filebeat, Logstash and Kibana
 * never run here, so what they name must agree with each other, with the index template and with
 * docker-compose.yml. setup.sh does run — against stand-ins for Elasticsearch and Kibana.
 */
const repoRoot = resolve(__dirname, '..', '..');
const elk = join(repoRoot, 'infra', 'elk');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

const filebeat = parse(read('infra/elk/filebeat/filebeat.yml')) as {
  'filebeat.inputs': {
    type: string;
    id?: string;
    paths: string[];
    parsers: JsonObject[];
    processors: JsonObject[];
  }[];
  'output.logstash': { hosts: string[] };
};
const kibanaYml = parse(read('infra/elk/kibana/kibana.yml')) as Record<string, unknown>;
const template = JSON.parse(read('infra/elk/elasticsearch/index-template.json')) as {
  index_patterns: string[];
  data_stream?: object;
  priority: number;
  template: { mappings: { properties: JsonObject } };
};
const savedObjects = read('infra/elk/kibana/saved-objects.ndjson')
  .split('\n')
  .filter(Boolean)
  .map(
    (line) =>
      JSON.parse(line) as {
        id: string;
        type: string;
        attributes: JsonObject;
        references: { name: string; type: string; id: string }[];
      },
  );
const setupScript = read('infra/elk/kibana/setup.sh');
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      volumes?: string[];
      ports?: string[];
      labels?: Record<string, string>;
      entrypoint?: string[];
    }
  >;
};

// ---- a small reader of the Logstash config language: plugin blocks and their `key => value` ----

/** The settings of every `name { ... }` plugin block in a section (`input`, `filter`, `output`). */
function logstashPlugins(
  config: string,
  section: string,
  plugin: string,
): Record<string, string>[] {
  const text = config.replace(/^\s*#.*$/gm, '');
  const body = block(text, new RegExp(`^${section}\\s*\\{`, 'm'));
  const found: Record<string, string>[] = [];
  const pattern = new RegExp(`\\b${plugin}\\s*\\{`, 'g');
  for (let match = pattern.exec(body); match; match = pattern.exec(body)) {
    const settings: Record<string, string> = {};
    const inner = block(body.slice(match.index), new RegExp(`${plugin}\\s*\\{`));
    for (const setting of inner.matchAll(/(\w+)\s*=>\s*("[^"]*"|\[[^\]]*\]|[^\s}]+)/g)) {
      settings[setting[1] as string] = setting[2] as string;
    }
    found.push(settings);
  }
  return found;
}

/** The text between the braces of the first block opened by `opening`. */
function block(text: string, opening: RegExp): string {
  const match = opening.exec(text);
  if (!match) throw new Error(`no block ${String(opening)}`);
  const start = match.index + match[0].length;
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start, i);
  }
  throw new Error(`unclosed block ${String(opening)}`);
}

const unquote = (value: string) => value.replace(/^\[\s*|\s*\]$/g, '').replace(/^"|"$/g, '');

/** `${VAR:default}` (Logstash, Filebeat) or `${VAR:-default}` (bash): the variable and its default. */
function envWithDefault(value: string): { variable: string; fallback: string } {
  const match = /^\$\{(\w+):-?(.+)\}$/.exec(value);
  if (!match) throw new Error(`${value} is not \${VAR:default}`);
  return { variable: match[1] as string, fallback: match[2] as string };
}

function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

/** The type a dotted field has in the template's mappings, or undefined when it is not mapped. */
function mappedType(field: string): string | undefined {
  let properties: JsonObject | undefined = template.template.mappings.properties;
  let mapping: JsonObject | undefined;
  for (const segment of field.split('.')) {
    const next: unknown = properties?.[segment];
    if (!isJsonObject(next)) return undefined;
    mapping = next;
    properties = isJsonObject(next['properties']) ? next['properties'] : undefined;
  }
  return typeof mapping?.['type'] === 'string' ? mapping['type'] : undefined;
}

const pipeline = read('infra/elk/logstash/pipeline/mesh.conf');
const [beats] = logstashPlugins(pipeline, 'input', 'beats');
const [esOutput] = logstashPlugins(pipeline, 'output', 'elasticsearch');
const dataStreamName = [
  unquote(esOutput?.['data_stream_type'] ?? ''),
  unquote(esOutput?.['data_stream_dataset'] ?? ''),
  unquote(esOutput?.['data_stream_namespace'] ?? ''),
].join('-');

/** Glob of an index pattern as a RegExp. */
const globToRegExp = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

describe('Filebeat (infra/elk/filebeat/filebeat.yml)', () => {
  const inputs = filebeat['filebeat.inputs'];

  it('reads container logs with filestream inputs only, each with a unique id', () => {
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) expect(input.type).toBe('filestream');
    const ids = inputs.map((input) => input.id);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(inputs[0]?.paths).toEqual(['/var/lib/docker/containers/*/*.log']);
  });

  it('unwraps the container format before decoding the ECS JSON, with expand_keys', () => {
    const parsers = inputs[0]?.parsers ?? [];
    const names = parsers.map((parser) => Object.keys(parser)[0]);
    expect(names).toContain('container');
    expect(names).toContain('ndjson');
    expect(names.indexOf('container')).toBeLessThan(names.indexOf('ndjson'));
    const ndjson = parsers.find((parser) => 'ndjson' in parser)?.['ndjson'];
    expect(ndjson).toMatchObject({
      target: '',
      expand_keys: true,
      overwrite_keys: true,
      add_error_key: true,
    });
  });

  it("ships only containers carrying compose's mesh label, as add_docker_metadata de-dots it", () => {
    const processors = inputs[0]?.processors ?? [];
    const names = processors.map((processor) => Object.keys(processor)[0]);
    expect(names).toContain('add_docker_metadata');
    // the label is read from compose's mesh services, de-dotted as add_docker_metadata does
    const labelled = Object.entries(compose.services).filter(
      ([, service]) => service.labels?.['observable-mesh.logs'] === 'true',
    );
    expect(labelled.map(([name]) => name)).toEqual(
      expect.arrayContaining(['gateway', 'user-service', 'order-service']),
    );
    const field = `container.labels.${'observable-mesh.logs'.replace(/\./g, '_')}`;
    const drop = processors.find((processor) => 'drop_event' in processor)?.['drop_event'];
    expect(drop).toEqual({ when: { not: { equals: { [field]: 'true' } } } });
    expect(names.indexOf('add_docker_metadata')).toBeLessThan(names.indexOf('drop_event'));
  });

  it("sends to Logstash's beats port under compose's service name", () => {
    const [hosts] = filebeat['output.logstash'].hosts;
    const { variable, fallback } = envWithDefault(hosts as string);
    const given = compose.services['filebeat']?.environment?.[variable];
    if (given !== undefined) expect(given).toBe(fallback);
    const { host, port } = hostPort(fallback);
    expect(compose.services[host]).toBeDefined();
    expect(host).toBe('logstash');
    expect(port).toBe(Number(beats?.['port']));
  });
});

describe('Logstash (infra/elk/logstash/pipeline/mesh.conf)', () => {
  it('listens for Beats and writes into the data stream the index template matches', () => {
    expect(beats).toBeDefined();
    expect(unquote(esOutput?.['data_stream'] ?? '')).toBe('true');
    expect(dataStreamName).toBe('logs-mesh-default');
    expect(template.data_stream).toEqual({});
    expect(template.index_patterns.some((p) => globToRegExp(p).test(dataStreamName))).toBe(true);
    // above Elasticsearch's built-in logs-*-* template (priority 100)
    expect(template.priority).toBeGreaterThan(100);
    // everything goes to that one stream, whatever data_stream.* a line carries
    expect(esOutput?.['data_stream_auto_routing']).toBe('false');
  });

  it('sets no option the output refuses in data-stream mode (it cannot install templates)', () => {
    const refused = Object.keys(esOutput ?? {}).filter((option) =>
      /^(index|template|template_name|template_overwrite|manage_template|ilm_.*|document_type|action)$/.test(
        option,
      ),
    );
    expect(refused).toEqual([]);
    // so the template is installed by setup.sh, which compose runs
    expect(setupScript).toContain('_index_template/$TEMPLATE_NAME');
    expect(compose.services['kibana-setup']?.volumes).toContain(
      './infra/elk/elasticsearch/index-template.json:/setup/index-template.json:ro',
    );
  });

  it("sends to Elasticsearch under compose's service name and port", () => {
    const { variable, fallback } = envWithDefault(unquote(esOutput?.['hosts'] ?? ''));
    const given = compose.services['logstash']?.environment?.[variable];
    if (given !== undefined) expect(given).toBe(fallback);
    expect(hostPort(fallback)).toEqual({ host: 'elasticsearch', port: 9200 });
    expect(compose.services['elasticsearch']).toBeDefined();
    expect(read('infra/elk/elasticsearch/elasticsearch.yml')).not.toMatch(/^http\.port:/m);
  });

  it('is mounted by compose as the whole pipeline directory, beside logstash.yml', () => {
    expect(compose.services['logstash']?.volumes).toEqual(
      expect.arrayContaining([
        './infra/elk/logstash/pipeline:/usr/share/logstash/pipeline:ro',
        './infra/elk/logstash/logstash.yml:/usr/share/logstash/config/logstash.yml:ro',
      ]),
    );
  });
});

describe('index template (infra/elk/elasticsearch/index-template.json)', () => {
  it('maps the correlation fields as keywords, @timestamp as a date and message as text', () => {
    for (const field of [
      'trace.id',
      'span.id',
      'service.name',
      'service.instance.id',
      'log.level',
      'http.request.id',
      'http.request.method',
      'http.route',
      'error.type',
      'error.code',
    ]) {
      expect(mappedType(field), field).toBe('keyword');
    }
    expect(mappedType('@timestamp')).toBe('date');
    expect(mappedType('message')).toBe('text');
    expect(mappedType('http.response.status_code')).toBe('long');
  });
});

describe('Kibana (infra/elk/kibana/)', () => {
  const byId = new Map(savedObjects.map((object) => [`${object.type}:${object.id}`, object]));
  const dataViews = savedObjects.filter((object) => object.type === 'index-pattern');
  const searches = savedObjects.filter((object) => object.type === 'search');

  it('has one data view on the data stream, with @timestamp as its time field', () => {
    expect(dataViews).toHaveLength(1);
    const [view] = dataViews;
    expect(view?.id).toBe('logs-mesh');
    expect(globToRegExp(view?.attributes['title'] as string).test(dataStreamName)).toBe(true);
    expect(mappedType(view?.attributes['timeFieldName'] as string)).toBe('date');
  });

  it("formats trace.id as a link to the trace in Jaeger's published UI", () => {
    const formats = JSON.parse(dataViews[0]?.attributes['fieldFormatMap'] as string) as Record<
      string,
      { id: string; params: { urlTemplate: string } }
    >;
    expect(formats['trace.id']).toMatchObject({
      id: 'url',
      params: { urlTemplate: 'http://localhost:16686/trace/{{value}}' },
    });
    expect(compose.services['jaeger']?.ports).toContain('16686:16686');
    expect(mappedType('trace.id')).toBe('keyword');
  });

  it('references only objects the file holds', () => {
    for (const object of savedObjects) {
      for (const reference of object.references) {
        expect(
          byId.has(`${reference.type}:${reference.id}`),
          `${object.id} → ${reference.id}`,
        ).toBe(true);
      }
    }
    const dashboard = savedObjects.find((object) => object.type === 'dashboard');
    const panels = JSON.parse(dashboard?.attributes['panelsJSON'] as string) as {
      panelIndex: string;
      panelRefName: string;
    }[];
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      expect(dashboard?.references.map((reference) => reference.name)).toContain(
        `${panel.panelIndex}:${panel.panelRefName}`,
      );
    }
  });

  it('has saved searches whose KQL translates and names mapped fields only, an error search among them', () => {
    expect(searches.length).toBeGreaterThan(0);
    const queries = searches.map((search) => {
      const source = JSON.parse(
        (search.attributes['kibanaSavedObjectMeta'] as { searchSourceJSON: string })
          .searchSourceJSON,
      ) as { query: { query: string; language: string }; indexRefName: string };
      expect(source.query.language).toBe('kuery');
      expect(search.references).toContainEqual({
        name: source.indexRefName,
        type: 'index-pattern',
        id: 'logs-mesh',
      });
      const { fields } = kqlToQueryString(source.query.query);
      for (const field of [...fields, ...(search.attributes['columns'] as string[])]) {
        expect(mappedType(field), `${search.id}: ${field}`).toBeDefined();
      }
      return source.query.query;
    });
    expect(queries).toContain('log.level : "error"');
  });

  it("points at compose's Elasticsearch and listens on the port compose publishes", () => {
    expect(kibanaYml['elasticsearch.hosts']).toEqual(['http://elasticsearch:9200']);
    const given = compose.services['kibana']?.environment?.['ELASTICSEARCH_HOSTS'];
    if (given !== undefined) expect(given).toBe('http://elasticsearch:9200');
    expect(compose.services['kibana']?.ports).toContain(`${String(kibanaYml['server.port'])}:5601`);
  });

  it("is what Jaeger's UI links to: the data view id and KQL on mapped fields", () => {
    const ui = JSON.parse(read('infra/jaeger/ui-config.json')) as {
      linkPatterns: { url: string }[];
    };
    const kibanaLinks = ui.linkPatterns.filter((link) => link.url.includes(':5601/'));
    expect(kibanaLinks.length).toBeGreaterThan(0);
    for (const link of kibanaLinks) {
      expect(link.url).toContain("dataViewId:'logs-mesh'");
      const kql = /query:'([^']*)'/.exec(link.url)?.[1] as string;
      const { fields } = kqlToQueryString(decodeURIComponent(kql).replace(/#\{[^}]+\}/g, 'x'));
      expect(fields.length).toBeGreaterThan(0);
      for (const field of fields) expect(mappedType(field), field).toBeDefined();
    }
  });
});

describe('kibana-setup (infra/elk/kibana/setup.sh)', () => {
  it("defaults to compose's service names and ports, and compose mounts what it reads", () => {
    const service = compose.services['kibana-setup'];
    const defaults = Object.fromEntries(
      [...setupScript.matchAll(/^(\w+)="\$\{\1:-([^}]+)\}"$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(defaults['ELASTICSEARCH_URL']).toBe('http://elasticsearch:9200');
    expect(defaults['KIBANA_URL']).toBe(`http://kibana:${String(kibanaYml['server.port'])}`);
    for (const [name, value] of Object.entries(service?.environment ?? {})) {
      if (name in defaults) expect(value, name).toBe(defaults[name]);
    }
    expect(service?.entrypoint).toEqual(['bash', '/setup/setup.sh']);
    expect(service?.volumes).toEqual(
      expect.arrayContaining([
        './infra/elk/kibana/setup.sh:/setup/setup.sh:ro',
        './infra/elk/kibana/saved-objects.ndjson:/setup/saved-objects.ndjson:ro',
      ]),
    );
  });

  const curl = requireEngine('curl');
  const bash = requireEngine('bash');

  /** The marker the template writes into its backing indices' mappings (`_meta`). */
  const marker = (template.template.mappings as { _meta?: { mesh_template?: string } })._meta
    ?.mesh_template;

  /**
   * Stand-ins for Elasticsearch and Kibana that record what the script asks of them. `writeIndex`:
   * the data stream exists, and its write index was made with (`marked`) or before the template.
   */
  async function standIns(options: {
    writeIndex?: 'marked' | 'unmarked';
    importSucceeds: boolean;
  }) {
    const requests: {
      method: string;
      url: string;
      headers: IncomingMessage['headers'];
      body: string;
    }[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        const url = req.url ?? '';
        if (url.startsWith('/es/_cluster/health')) return json(200, { status: 'yellow' });
        if (url.startsWith('/es/_index_template/')) return json(200, { acknowledged: true });
        const indices = [{ index_name: '.ds-logs-mesh-default-000001' }];
        if (options.writeIndex === 'marked')
          indices.push({ index_name: '.ds-logs-mesh-default-000002' });
        if (url.startsWith('/es/_data_stream/')) {
          return options.writeIndex
            ? json(200, {
                // what both engines answer: the name of the template matching *now*
                data_streams: [{ name: 'logs-mesh-default', template: 'logs-mesh', indices }],
              })
            : json(404, { error: 'index_not_found_exception' });
        }
        if (url.startsWith('/es/.ds-logs-mesh-default-00000')) {
          const index = url.split('/')[2] as string;
          const marked = index.endsWith('2');
          return json(200, {
            [index]: { mappings: marked ? { _meta: { mesh_template: marker } } : {} },
          });
        }
        if (url.endsWith('/_rollover')) return json(200, { rolled_over: true });
        if (url === '/kibana/api/status')
          return json(200, { status: { overall: { level: 'available' } } });
        if (url.startsWith('/kibana/api/saved_objects/_import')) {
          return json(
            200,
            options.importSucceeds
              ? { success: true, successCount: 4 }
              : { success: false, errors: [{}] },
          );
        }
        json(404, {});
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, requests, close: () => new Promise((r) => server.close(r)) };
  }

  async function runSetup(base: string): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(bash as string, [join(elk, 'kibana', 'setup.sh')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ELASTICSEARCH_URL: `${base}/es`,
        KIBANA_URL: `${base}/kibana`,
        INDEX_TEMPLATE: join(elk, 'elasticsearch', 'index-template.json'),
        SAVED_OBJECTS: join(elk, 'kibana', 'saved-objects.ndjson'),
        WAIT_SECONDS: '10',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stderr };
  }

  it.skipIf(!curl || !bash)(
    'installs the template, rolls over a stream made before it, imports the saved objects with overwrite',
    async () => {
      const servers = await standIns({ writeIndex: 'unmarked', importSucceeds: true });
      try {
        const { code, stderr } = await runSetup(servers.base);
        expect(code, stderr).toBe(0);
        const asked = servers.requests.map((r) => `${r.method} ${r.url.split('?')[0] as string}`);
        expect(
          asked.filter((r) => !r.includes('_cluster/health') && !r.includes('api/status')),
        ).toEqual([
          'PUT /es/_index_template/logs-mesh',
          'GET /es/_data_stream/logs-mesh-default',
          'GET /es/.ds-logs-mesh-default-000001/_mapping',
          'POST /es/logs-mesh-default/_rollover',
          'POST /kibana/api/saved_objects/_import',
        ]);
        const put = servers.requests.find((r) => r.method === 'PUT');
        expect(JSON.parse(put?.body ?? '')).toEqual(template);
        const imported = servers.requests.find((r) => r.url.includes('_import'));
        expect(imported?.url).toContain('overwrite=true');
        expect(imported?.headers['kbn-xsrf']).toBeDefined();
        expect(imported?.headers['content-type']).toMatch(/^multipart\/form-data/);
        for (const object of savedObjects) expect(imported?.body).toContain(`"id":"${object.id}"`);
      } finally {
        await servers.close();
      }
    },
  );

  it.skipIf(!curl || !bash)(
    'does not roll over a stream already on the template, and fails when the import fails',
    async () => {
      const servers = await standIns({ writeIndex: 'marked', importSucceeds: false });
      try {
        const { code, stderr } = await runSetup(servers.base);
        expect(code).not.toBe(0);
        expect(stderr).toContain('saved objects import failed');
        // the write index is the last one, made with the template: nothing to roll over
        expect(servers.requests.map((r) => r.url)).toContain(
          '/es/.ds-logs-mesh-default-000002/_mapping',
        );
        expect(servers.requests.some((r) => r.url.endsWith('/_rollover'))).toBe(false);
        expect(marker).toMatch(/^logs-mesh v\d+$/);
      } finally {
        await servers.close();
      }
    },
  );
});
