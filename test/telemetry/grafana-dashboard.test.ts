/** The Grafana dashboard stays in step with the metrics the code emits (src/telemetry/metrics.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS, prometheusName, type MetricSpec } from '../../src/telemetry/metrics.js';
import { ATTR } from '../../src/telemetry/attributes.js';

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  templating: { list: { name: string; type: string; query: unknown }[] };
  panels: Panel[];
}

const dashboard = JSON.parse(readFileSync('templates/grafana/schemashift-dashboard.json', 'utf8')) as Dashboard;
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
const specs: MetricSpec[] = Object.values(METRICS);

describe('templates/grafana/schemashift-dashboard.json', () => {
  it('is a current Grafana dashboard over a Prometheus datasource variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? [])
        expect(target.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    expect(new Set(dashboard.panels.map((p) => p.title)).size).toBe(dashboard.panels.length);
  });

  it.each(specs.map((s) => [s.name, s] as const))('has a panel for %s under its Prometheus name', (_name, spec) => {
    const name = prometheusName(spec);
    const used = spec.kind === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    expect(
      used.some((n) => exprs.some((e) => new RegExp(`\\b${n}\\b`).test(e))),
      `${name} in no panel query`,
    ).toBe(true);
  });

  it('names metrics as Prometheus receives them over OTLP', () => {
    expect(prometheusName(METRICS.stepDuration)).toBe('schemashift_step_duration_seconds');
    expect(prometheusName(METRICS.steps)).toBe('schemashift_steps_total');
    expect(prometheusName(METRICS.backfillRate)).toBe('schemashift_backfill_rows_per_second');
  });

  it('queries no metric the code does not emit, and filters by labels the code sets', () => {
    const known = new Set(
      specs.flatMap((s) => {
        const n = prometheusName(s);
        return s.kind === 'histogram' ? [`${n}_bucket`, `${n}_sum`, `${n}_count`] : [n];
      }),
    );
    const queried = exprs.flatMap((e) => e.match(/\bschemashift_[a-z_]+(?=[{[\s)])/g) ?? []);
    const labels = new Set(Object.values(ATTR).map((a) => a.replace(/\./g, '_')));
    expect(queried.filter((n) => !known.has(n) && !labels.has(n))).toEqual([]);
  });
});
