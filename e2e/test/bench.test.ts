import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireEngine } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/mesh';

// `npm run bench -- --quick` as CI runs it: the shape of what it writes, never its figures.
const benchEntry = join(repoRoot, 'tools', 'dist', 'bench', 'main.js');
const nginx = requireEngine('nginx', ['/usr/sbin']);

interface Sample {
  config: string;
  round: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  degraded: number;
}
interface Results {
  machine: { cpus: number; cpuModel: string; memoryGb: number };
  settings: { quick: boolean; rounds: number; durationMs: number; connections: number };
  runtimes: {
    nodeVersion: string;
    samples: Sample[];
    footprints: { process: string; readyMs?: number; rssMb?: number; cpuSeconds?: number }[];
    ejections: Record<string, number>;
    skipped: string[];
  }[];
  resilience: { samples: Sample[]; ejections: Record<string, number> };
}

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  const out = join(dir, 'latest.json');
  let code: number | null = null;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    if (!existsSync(benchEntry)) throw new Error(`${benchEntry} is missing: build first`);
    const child = spawn(process.execPath, [benchEntry, '--quick', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    [code] = (await once(child, 'close')) as [number | null];
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints the markdown tables', () => {
    expect(code, stderr).toBe(0);
    for (const heading of [
      '### Telemetry cost',
      '### Resilience cost',
      '### Gateway hop',
      '### Footprint',
      '### Fail-fast',
    ]) {
      expect(stdout).toContain(heading);
    }
  });

  it('writes machine, settings and every sample of every configuration', () => {
    const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.settings).toMatchObject({ quick: true, rounds: 1 });
    const [runtime] = results.runtimes;
    expect(runtime?.nodeVersion).toBe(`Node ${process.versions.node}`);
    const configs = new Set(runtime?.samples.map((s) => s.config));
    const expected = [
      '3-hop off',
      '3-hop local',
      '3-hop export',
      '2-hop off',
      '2-hop export',
      '1-hop off',
      '1-hop export',
      '3-hop naive',
    ];
    if (nginx !== undefined) expected.push('3-hop via nginx');
    else expect(runtime?.skipped.join(' ')).toContain('nginx');
    expect([...configs].sort()).toEqual(expected.sort());
    for (const s of [...(runtime?.samples ?? []), ...results.resilience.samples]) {
      for (const key of ['requests', 'rps', 'p50Ms', 'p99Ms', 'errors', 'degraded'] as const) {
        expect(Number.isFinite(s[key]), `${s.config} ${key}`).toBe(true);
      }
      // every configuration answered something: a dead target would show as 0 requests
      expect(s.requests, s.config).toBeGreaterThan(0);
    }
    expect(results.resilience.samples.map((s) => s.config)).toEqual([
      'healthy',
      'user hung, breakers on',
      'user hung, breakers off',
      'failover (1 of 2 killed)',
    ]);
    const meshProcesses =
      runtime?.footprints.filter((f) => /-(off|local|export) /.test(f.process)) ?? [];
    expect(meshProcesses).toHaveLength(9);
    for (const f of meshProcesses) {
      expect(f.rssMb, f.process).toBeGreaterThan(0);
      expect(f.readyMs, f.process).toBeGreaterThan(0);
    }
    for (const n of [
      ...Object.values(runtime?.ejections ?? {}),
      ...Object.values(results.resilience.ejections),
    ]) {
      expect(Number.isInteger(n)).toBe(true);
    }
  });
});
