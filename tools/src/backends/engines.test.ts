import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  engineCacheDir,
  isEngineMissingError,
  locateEngine,
  requireBuiltEngine,
  requireInstalledEngine,
} from './engines';

describe('the engine cache', () => {
  let dir: string;
  let repo: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-engines-'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    writeFileSync(
      join(repo, '.env'),
      '# versions\nJAEGER_VERSION=2.13.0\nOTELCOL_VERSION="0.165.0"\n',
    );
    env = { OBSERVABLE_MESH_CACHE: join(dir, 'cache') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What infra/engines/lib.sh leaves once a build is done: the binary and its marker. */
  function build(name: string, version: string, binary: string): string {
    const engineDir = join(dir, 'cache', 'engines', `${name}-${version}`);
    mkdirSync(join(engineDir, 'bin'), { recursive: true });
    const executable = join(engineDir, 'bin', binary);
    writeFileSync(executable, '#!/bin/sh\n');
    chmodSync(executable, 0o755);
    writeFileSync(join(engineDir, '.built'), `${executable}\nbuilt … in 3s\n`);
    return executable;
  }

  it('lives under OBSERVABLE_MESH_CACHE, else ~/.cache/observable-mesh', () => {
    expect(engineCacheDir(env)).toBe(join(dir, 'cache', 'engines'));
    expect(engineCacheDir({})).toMatch(/\.cache\/observable-mesh\/engines$/);
  });

  it("names an engine's directory by the version of the root .env and finds the binary its marker names", () => {
    const executable = build('jaeger', '2.13.0', 'jaeger');
    expect(locateEngine('jaeger', repo, env)).toEqual({
      name: 'jaeger',
      version: '2.13.0',
      dir: join(dir, 'cache', 'engines', 'jaeger-2.13.0'),
      executable,
    });
    expect(requireBuiltEngine('jaeger', repo, env)).toBe(executable);
  });

  it('counts a build without its marker (interrupted) or of another version as not built, saying how to build it', () => {
    const executable = build('otelcol', '0.164.0', 'otelcol-mesh');
    expect(locateEngine('otelcol', repo, env).executable).toBeUndefined();
    rmSync(join(dir, 'cache', 'engines', 'otelcol-0.164.0', '.built'));
    expect(executable).toContain('0.164.0');
    let thrown: unknown;
    try {
      requireBuiltEngine('otelcol', repo, env);
    } catch (error) {
      thrown = error;
    }
    expect(isEngineMissingError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(
      `otelcol 0.165.0 not built yet (${join(dir, 'cache', 'engines', 'otelcol-0.165.0')}): ` +
        'run `npm run backends -- --build`',
    );
  });

  it('counts a marker whose binary is gone (a cleaned cache) as not built', () => {
    const executable = build('jaeger', '2.13.0', 'jaeger');
    rmSync(executable);
    expect(locateEngine('jaeger', repo, env).executable).toBeUndefined();
  });

  it('fails plainly when .env does not pin the version', () => {
    expect(() => locateEngine('opensearch', repo, env)).toThrow(
      `OPENSEARCH_VERSION is not set in ${join(repo, '.env')}`,
    );
  });

  it('says how to install a Debian engine that is missing', () => {
    expect(() => requireInstalledEngine('no-such-engine-here', { PATH: dir })).toThrow(
      'no-such-engine-here is not installed: run `bash infra/ci/install-engines.sh`',
    );
  });
});
