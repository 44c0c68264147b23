import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendsEntry } from '../src/backends';
import { repoRoot } from '../src/mesh';

/** Runs a built CLI to its exit; none of these cases starts anything. */
async function run(entry: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('npm run backends, before it starts anything', () => {
  const emptyCache = mkdtempSync(join(tmpdir(), 'mesh-empty-cache-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'mesh-backends-cli-'));
  afterAll(() => {
    rmSync(emptyCache, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses an unknown flag with a message naming it and exit code 2', async () => {
    const result = await run(backendsEntry, ['--no-such-flag']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--no-such-flag'");
  });

  it('refuses a bad flag value with a message naming the flag and exit code 2', async () => {
    const result = await run(backendsEntry, ['--port-offset', 'ten']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--port-offset <n>' argument 'ten' is invalid");
  });

  it('says in one line per engine how to build it when the engine cache is empty: exit 1, no stack trace', async () => {
    const result = await run(backendsEntry, ['--logs', '--data-dir', dataDir], {
      OBSERVABLE_MESH_CACHE: emptyCache,
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    for (const engine of ['otelcol', 'jaeger', 'opensearch']) {
      const line = lines.find((l) => l.startsWith(`backends: ${engine} `));
      expect(line, `the line about ${engine}`).toMatch(
        /^backends: \S+ \S+ not built yet \(.+\): run `npm run backends -- --build`$/,
      );
      expect(line).toContain(join(emptyCache, 'engines'));
    }
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain('backends ready');
  });
});

describe('npm start -- --otlp', () => {
  const launcherEntry = join(repoRoot, 'tools', 'dist', 'launcher', 'main.js');

  it('refuses a URL that is not http(s) with a message naming --otlp and exit code 2', async () => {
    const result = await run(launcherEntry, ['--otlp', 'localhost:4318']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('launcher: --otlp: "localhost:4318" is not http(s)');
    expect(result.stderr).toContain('e.g. --otlp http://127.0.0.1:4318');
  });
});
