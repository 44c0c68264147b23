import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtEngineDir, engineCacheDir, requireBuiltEngine } from './engine';

// The engine-cache lookup the infra and e2e tests gate on (infra/engines/lib.sh writes the cache).

let root: string;
let cache: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'engine-test-'));
  cache = join(root, 'cache');
  writeFileSync(join(root, '.env'), 'OTELCOL_VERSION=9.8.7\nJAEGER_VERSION=1.2.3\n');
  vi.stubEnv('OBSERVABLE_MESH_CACHE', cache);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

describe('engineCacheDir', () => {
  it('is OBSERVABLE_MESH_CACHE/engines, else ~/.cache/observable-mesh/engines', () => {
    expect(engineCacheDir()).toBe(join(cache, 'engines'));
    expect(engineCacheDir({})).toBe(join(homedir(), '.cache', 'observable-mesh', 'engines'));
  });
});

describe('builtEngineDir', () => {
  it('names the version pinned in .env', () => {
    expect(builtEngineDir('otelcol', root)).toBe(join(cache, 'engines', 'otelcol-9.8.7'));
    expect(() => builtEngineDir('opensearch', root)).toThrow(/OPENSEARCH_VERSION/);
  });
});

describe('requireBuiltEngine', () => {
  it('returns the executable the .built marker names', () => {
    const dir = join(cache, 'engines', 'jaeger-1.2.3');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const executable = join(dir, 'bin', 'jaeger');
    writeFileSync(executable, '#!/bin/sh\n');
    chmodSync(executable, 0o755);
    writeFileSync(join(dir, '.built'), `${executable}\nbuilt at some time\n`);
    vi.stubEnv('CI', '');
    expect(requireBuiltEngine('jaeger', root)).toBe(executable);
  });

  it('skips loudly on a laptop and fails under CI when the engine is not built', () => {
    vi.stubEnv('CI', '');
    expect(requireBuiltEngine('otelcol', root)).toBeUndefined();
    expect(process.stderr.write).toHaveBeenCalledWith(expect.stringContaining('SKIPPING'));
    vi.stubEnv('CI', 'true');
    expect(() => requireBuiltEngine('otelcol', root)).toThrow(/missing in CI.*build-all\.sh/);
  });
});
