import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/index.js';
import { parseExposition } from './exposition.js';

const docsDir = new URL('../../docs/', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', docsDir), 'utf8')) as {
  title: string;
  uid: string;
  schemaVersion: number;
  templating: { list: { name: string }[] };
  panels: Panel[];
};
const metricsDoc = readFileSync(new URL('metrics.md', docsDir), 'utf8');

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { uid: string };
  targets?: { expr: string; refId: string }[];
}

/** Metric families a fresh instance exports (with prom-client's defaults). */
async function families(): Promise<Map<string, string>> {
  const types = new Map(parseExposition(await createMetrics().metrics()).types);
  return types;
}

const METRIC_NAME = /\b(?:warden|process|nodejs)_[a-z0-9_]+\b/g;

/** A sample name's family: `x_bucket`, `x_sum` and `x_count` belong to histogram `x`. */
function familyOf(name: string, known: Map<string, string>): string | undefined {
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return known.get(base) === 'histogram' ? base : undefined;
}

const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');

describe('docs/grafana-dashboard.json', () => {
  it('is a dashboard with unique panel ids, a layout and a Prometheus data source variable', () => {
    expect(dashboard.title).toBe('Warden');
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'channel']);
    for (const panel of queryPanels) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('names only metrics that Warden exports in its expressions', async () => {
    const known = await families();
    const unknown: string[] = [];
    for (const panel of queryPanels) {
      for (const { expr } of panel.targets ?? []) {
        for (const [name] of expr.matchAll(METRIC_NAME)) {
          if (familyOf(name, known) === undefined) unknown.push(`${panel.title}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('has a panel for every Warden metric', async () => {
    const known = await families();
    const used = new Set(
      queryPanels
        .flatMap((p) => (p.targets ?? []).flatMap((t) => [...t.expr.matchAll(METRIC_NAME)]))
        .map(([name]) => familyOf(name, known)),
    );
    const warden = [...known.keys()].filter((name) => name.startsWith('warden_'));
    expect(warden.filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('docs/metrics.md', () => {
  it('documents every Warden metric with its type, and no metric that does not exist', async () => {
    const known = await families();
    for (const [name, type] of known) {
      if (!name.startsWith('warden_')) continue;
      expect(metricsDoc).toMatch(new RegExp(`^\\| \`${name}\` \\| ${type} \\|`, 'm'));
    }
    const documented = [...metricsDoc.matchAll(METRIC_NAME)].map(([name]) => name);
    expect(documented.filter((name) => familyOf(name, known) === undefined)).toEqual([]);
  });
});
