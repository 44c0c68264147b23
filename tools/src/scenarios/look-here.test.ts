import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './index';
import { PANELS, kibanaDiscover } from './look-here';
import { parseRateLimitHeader } from './rate-limit';

const repoRoot = resolve(__dirname, '..', '..', '..');

interface Panel {
  id: number;
  title: string;
  type: string;
  panels?: Panel[];
}

/** Every dashboard of grafana/dashboards by uid, with its panels (rows unfolded). */
function dashboards(): Map<string, { title: string; panels: Panel[] }> {
  const dir = join(repoRoot, 'grafana', 'dashboards');
  const found = new Map<string, { title: string; panels: Panel[] }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      uid: string;
      title: string;
      panels: Panel[];
    };
    const flat = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    found.set(dashboard.uid, { title: dashboard.title, panels: flat });
  }
  return found;
}

const links = {
  grafana: 'http://localhost:3000',
  jaeger: 'http://localhost:16686',
  kibana: 'http://localhost:5601',
  prometheus: 'http://localhost:9090',
};

describe('where the scenarios say to look', () => {
  it('every Grafana panel named exists with that uid, id and title in grafana/dashboards', () => {
    const all = dashboards();
    for (const panel of Object.values(PANELS)) {
      const dashboard = all.get(panel.uid);
      expect(dashboard, panel.uid).toBeDefined();
      const found = dashboard?.panels.find((p) => p.id === panel.panelId);
      expect(found?.title, `${panel.uid} panel ${panel.panelId}`).toBe(panel.title);
    }
  });

  it('every scenario points at Grafana, Jaeger or Prometheus, and Kibana, with absolute URLs', () => {
    for (const scenario of SCENARIOS) {
      const look = scenario.look(links);
      expect(
        look.some((l) => l.ui === 'Grafana'),
        scenario.name,
      ).toBe(true);
      expect(
        look.some((l) => l.ui === 'Kibana'),
        scenario.name,
      ).toBe(true);
      for (const entry of look) expect(URL.canParse(entry.url), entry.url).toBe(true);
    }
  });

  it("Kibana's Discover URL carries the KQL query in Rison, quotes escaped", () => {
    const url = kibanaDiscover(links.kibana, `message : "it's"`, 'why').url;
    expect(decodeURIComponent(url)).toContain(`query:'message : "it!'s"'`);
    expect(url).toContain('dataViewId%3Alogs-mesh');
  });
});

describe('parseRateLimitHeader', () => {
  it('reads the name and parameters of the draft headers, and refuses anything else', () => {
    expect(parseRateLimitHeader('"token-bucket";q=200;w=2')).toEqual({
      name: 'token-bucket',
      params: { q: 200, w: 2 },
    });
    expect(parseRateLimitHeader('"token-bucket";r=0;t=1')?.params).toEqual({ r: 0, t: 1 });
    expect(parseRateLimitHeader(undefined)).toBeUndefined();
    expect(parseRateLimitHeader('token-bucket;q=1')).toBeUndefined();
    expect(parseRateLimitHeader('"x";q=-1')).toBeUndefined();
  });
});
