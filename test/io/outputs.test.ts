import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { curveCsv } from '../../lib/io/curveCsv.js';
import { makeDirs } from '../../lib/io/mkdirs.js';
import {
  formatSummary, jsonSummary, OutputError, prepareOutDir, removeCreatedDirs, sweepPlotSpec, writeSweepOutputs,
} from '../../lib/io/outputs.js';
import { buildRunJson } from '../../lib/io/runJson.js';
import { CancelledError } from '../../lib/simulate/sweep.js';
import { syntheticResult } from './fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'richscale-outputs-'));
const meta = { argv: ['simulate'], startedAt: new Date(0), threads: 1 };

describe('makeDirs / prepareOutDir', () => {
  it('creates the missing components one by one and reports what it created', async () => {
    const root = tmp();
    const created = await makeDirs(join(root, 'a', 'b', 'c'));
    expect(created).toEqual([join(root, 'a'), join(root, 'a', 'b'), join(root, 'a', 'b', 'c')]);
    expect(await makeDirs(join(root, 'a', 'b', 'c'))).toEqual([]);
    await removeCreatedDirs(created);
    expect(existsSync(join(root, 'a'))).toBe(false);
  });
  it('fails with one line (and at once) under /proc, on a file, or under a file', async () => {
    const t0 = Date.now();
    await expect(prepareOutDir('/proc/x')).rejects.toThrow(
      /^cannot create output directory '\/proc\/x': ENOENT: no such file or directory, mkdir '\/proc\/x'$/,
    );
    await expect(prepareOutDir('/proc/x/y/z')).rejects.toThrow(/mkdir '\/proc\/x'$/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const root = tmp();
    writeFileSync(join(root, 'file'), 'x');
    await expect(prepareOutDir(join(root, 'file'))).rejects.toThrow(/ENOTDIR/);
    await expect(prepareOutDir(join(root, 'file', 'sub'))).rejects.toThrow(/^cannot create output directory .*ENOTDIR/);
  });
  it('refuses a directory that holds a run (run.json) unless force', async () => {
    const dir = join(tmp(), 'run');
    mkdirSync(dir);
    expect(await prepareOutDir(dir)).toEqual({ created: false, createdDirs: [] });
    writeFileSync(join(dir, 'run.json'), '{}');
    const err = await prepareOutDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toBe(
      `output directory '${dir}' already holds a richscale run (run.json): choose another --out, or add --force to overwrite it`,
    );
    expect(await prepareOutDir(dir, { force: true })).toEqual({ created: false, createdDirs: [] });
  });
});

describe('writeSweepOutputs', () => {
  it('replaces an old run: the old run.json is removed before anything is written', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.json'), '{"old": true}');
    await writeSweepOutputs(syntheticResult(), dir, meta);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).old).toBeUndefined();
  });
  it('an abort between files stops with CancelledError and removes what it wrote', async () => {
    const dir = tmp();
    const ctl = new AbortController();
    ctl.abort();
    await expect(writeSweepOutputs(syntheticResult(), dir, meta, undefined, { signal: ctl.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(dir)).toEqual([]);
    // Aborted once curve.csv is written (the signal is checked before each file): it is removed again.
    for (const checksBeforeAbort of [2, 3]) {
      const dir2 = tmp();
      let checks = 0;
      const signal = { get aborted() { return ++checks > checksBeforeAbort; } } as AbortSignal;
      await expect(writeSweepOutputs(syntheticResult(), dir2, meta, undefined, { signal })).rejects.toBeInstanceOf(CancelledError);
      expect(readdirSync(dir2)).toEqual([]);
    }
  });
});

describe('a single seed has no spread', () => {
  it('curve.csv leaves std and stderr empty; run.json and --json have null; the plot has no band', () => {
    const res = syntheticResult({ seeds: 1, finiteData: true });
    const rows = curveCsv(res).trimEnd().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['gamma', 'N', 'step', 'loss_mean', 'loss_std', 'loss_stderr', 'train_mean', 'train_std', 'train_stderr']);
    for (const r of rows.slice(1)) {
      expect(r).toHaveLength(9);
      expect([r[4], r[5], r[7], r[8]]).toEqual(['', '', '', '']);
      expect(Number.isFinite(Number(r[3]))).toBe(true);
    }
    const j = buildRunJson(res, { ...meta, endedAt: new Date(0), files: [] }) as { runs: Array<{ finalLoss: unknown; finalTrainLoss: unknown }> };
    expect(j.runs[0]!.finalLoss).toEqual({ mean: expect.any(Number), std: null, stderr: null });
    expect(j.runs[0]!.finalTrainLoss).toEqual({ mean: expect.any(Number), std: null, stderr: null });
    const out = { dir: 'd', files: { curve: 'c', run: 'r', png: 'p', svg: 's' } };
    const js = jsonSummary(res, out) as { runs: Array<{ finalLoss: { std: unknown; stderr: unknown } }> };
    expect(js.runs[0]!.finalLoss.std).toBeNull();
    expect(js.runs[0]!.finalLoss.stderr).toBeNull();
    expect(formatSummary(res, out)).not.toContain('±');
    const spec = sweepPlotSpec(res);
    expect(spec.series.every((s) => s.lower === undefined && s.upper === undefined)).toBe(true);
  });
});

describe('plot of a sweep', () => {
  it('draws each train curve dashed in the colour of its population curve', () => {
    const spec = sweepPlotSpec(syntheticResult({ finiteData: true }));
    const byLabel = new Map(spec.series.map((s) => [s.label, s]));
    for (const g of [0, 1]) {
      const pop = byLabel.get(`γ = ${g}, N = 16`)!;
      const train = byLabel.get(`train, γ = ${g}, N = 16`)!;
      expect(pop.color).toBeDefined();
      expect(train.color).toBe(pop.color);
      expect(train.dashed).toBe(true);
      expect(pop.dashed).toBe(false);
    }
    expect(byLabel.get('γ = 0, N = 16')!.color).not.toBe(byLabel.get('γ = 1, N = 16')!.color);
  });
});
