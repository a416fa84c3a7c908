import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary, jsonSummary, sweepPlotSpec, writeSweepOutputs } from '../../lib/io/outputs.js';
import { buildRunJson, shellQuote } from '../../lib/io/runJson.js';
import { resolveSimulateConfig } from '../../lib/config/schema.js';
import { syntheticResult } from './fixtures.js';

const meta = {
  argv: ['simulate', '--M', '64', '--out', 'my dir'],
  startedAt: new Date('2025-01-01T00:00:00Z'),
  endedAt: new Date('2025-01-01T00:00:02Z'),
  threads: 2,
  preset: 'hard',
  files: ['curve.csv', 'run.json', 'loss.png', 'loss.svg'],
};

describe('run.json', () => {
  it('holds the resolved config with Infinity as "inf", and round-trips through the schema', () => {
    const res = syntheticResult();
    const j = JSON.parse(JSON.stringify(buildRunJson(res, meta)));
    expect(j.config.batch).toBe('inf');
    expect(j.config.data).toBe('inf');
    expect(j.config.N).toEqual([16]);
    expect(resolveSimulateConfig('hard', j.config)).toEqual(res.config);
  });
  it('records versions, command, timings, FLOPs, compute and files', () => {
    const j = buildRunJson(syntheticResult(), meta) as Record<string, any>;
    expect(j.richscale).toMatch(/^\d+\.\d+\.\d+/);
    expect(j.node).toBe(process.version);
    expect(j.command).toBe("richscale simulate --M 64 --out 'my dir'");
    expect(j.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(j.endedAt).toBe('2025-01-01T00:00:02.000Z');
    expect(j.backend).toBe('reference');
    expect(j.blas).toBeNull();
    expect(j.threads).toBe(2);
    expect(j.concurrency).toBe(1);
    expect(j.flops).toBe(3000);
    expect(j.truncationFloor).toBe(0.0155);
    expect(j.initialLoss).toBe(1);
    expect(j.seeds).toEqual({ seed: 0, count: 2, streams: '0..1' });
    expect(j.runs).toHaveLength(2);
    expect(j.runs[1]).toMatchObject({ gamma: 1, N: 16, compute: 160, flops: 2000, seconds: 0.5, finalStep: 10 });
    expect(j.runs[0].finalLoss.mean).toBeCloseTo(0.1 / 3, 12);
    expect(j.files).toEqual(meta.files);
  });
  it('shell quoting', () => {
    expect(shellQuote('--N')).toBe('--N');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('outputs', () => {
  it('plot spec: one curve per run, the lazy reference, notes', () => {
    const spec = sweepPlotSpec(syntheticResult({ finiteData: true }));
    const labels = spec.series.map((s) => s.label);
    expect(labels).toContain('γ = 0, N = 16');
    expect(labels).toContain('γ = 1, N = 16');
    expect(labels).toContain('lazy reference t^-β (β = 0.5)');
    expect(labels).toContain('train, γ = 0, N = 16');
    expect(spec.notes?.join(' ')).toMatch(/α = 2, β = 0\.5, M = 64, η = 0\.5, B = ∞, P = 32, seeds = 2/);
    expect(spec.notes?.join(' ')).toMatch(/truncation floor/);
  });
  it('writes the four files and nothing else', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'richscale-out-')), 'nested', 'run');
    const res = syntheticResult();
    const out = await writeSweepOutputs(res, dir, meta);
    expect(readdirSync(dir).sort()).toEqual(['curve.csv', 'loss.png', 'loss.svg', 'run.json']);
    const j = JSON.parse(readFileSync(out.files.run, 'utf8'));
    expect(j.files).toEqual(['curve.csv', 'run.json', 'loss.png', 'loss.svg']);
    const summary = formatSummary(res, out);
    expect(summary).toContain(`results in ${dir} (curve.csv, run.json, loss.png, loss.svg)`);
    expect(summary).toMatch(/3\.333e-2 ± /);
    const js = jsonSummary(res, out) as Record<string, any>;
    expect(js.runs).toHaveLength(2);
    expect(js.files.curve).toMatch(/curve\.csv$/);
  });
});
