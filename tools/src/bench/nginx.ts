import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPortFree } from '../launcher/ports';
import type { BenchProcess } from './processes';
import { spawnLogged, stopProcess, waitReady } from './processes';

/** Debian's nginx binary, when installed (infra/ci/install-engines.sh installs it). */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

export interface BenchNginx {
  url: string;
  process: BenchProcess;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground on loopback with its own prefix and config in `dir` (never the
 * system service), one worker, proxying every request to `upstream` over keep-alive connections.
 */
export async function startNginx(
  binary: string,
  dir: string,
  upstream: string,
): Promise<BenchNginx> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  let port = 0;
  for (let attempt = 0; attempt < 20 && port === 0; attempt++) {
    const candidate = 60_000 + Math.floor(Math.random() * 5000);
    if (await isPortFree(candidate, '127.0.0.1')) port = candidate;
  }
  const target = new URL(upstream);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      '# written by tools/bench (docs/benchmarks.md): the nginx hop of the gateway comparison',
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'client_body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      `  upstream orders { server ${target.host}; keepalive 64; }`,
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    location /health/ready { return 200 "ready"; }',
      '    location /api/ {',
      '      proxy_pass http://orders/;',
      '      proxy_http_version 1.1;',
      '      proxy_set_header Connection "";',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const proc = spawnLogged(
    'nginx',
    binary,
    ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')],
    process.env,
    join(dir, 'logs', 'stdout.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, `${url}/health/ready`, 10_000);
  return { url, process: proc, stop: () => stopProcess(proc) };
}
