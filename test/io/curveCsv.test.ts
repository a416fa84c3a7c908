import { describe, expect, it } from 'vitest';
import { curveCsv, curveCsvHeader, formatNumber } from '../../lib/io/curveCsv.js';
import { syntheticResult } from './fixtures.js';

const parse = (csv: string): string[][] => csv.trimEnd().split('\n').map((l) => l.split(','));

describe('curve.csv', () => {
  it('header and one row per (run, recorded step)', () => {
    const csv = curveCsv(syntheticResult());
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv).not.toContain('#');
    const rows = parse(csv);
    expect(rows[0]).toEqual(['gamma', 'N', 'step', 'loss_mean', 'loss_std', 'loss_stderr']);
    expect(rows).toHaveLength(1 + 2 * 3);
    expect(rows.slice(1).map((r) => r.slice(0, 3).join(','))).toEqual([
      '0,16,0', '0,16,3', '0,16,10', '1,16,0', '1,16,3', '1,16,10',
    ]);
    for (const r of rows.slice(1)) {
      expect(r).toHaveLength(6);
      for (const cell of r) expect(Number.isFinite(Number(cell))).toBe(true);
    }
  });
  it('numbers round-trip exactly', () => {
    const res = syntheticResult();
    const rows = parse(curveCsv(res));
    expect(Number(rows[3]![3])).toBe(res.runs[0]!.loss.mean[2]);
    expect(rows[3]![3]).toBe(String(res.runs[0]!.loss.mean[2]));
  });
  it('train columns with finite data, per-seed columns with perSeed', () => {
    const res = syntheticResult({ finiteData: true, perSeed: true, seeds: 3 });
    expect(curveCsvHeader(res)).toEqual([
      'gamma', 'N', 'step', 'loss_mean', 'loss_std', 'loss_stderr', 'train_mean', 'train_std', 'train_stderr',
      'seed_0', 'seed_1', 'seed_2', 'train_seed_0', 'train_seed_1', 'train_seed_2',
    ]);
    const rows = parse(curveCsv(res));
    expect(rows.every((r) => r.length === 15)).toBe(true);
    const row = rows[5]!; // γ = 1, step 3
    expect(Number(row[9 + 1])).toBe(res.runs[1]!.perSeedLoss[1]![1]);
    expect(Number(row[12 + 2])).toBe(res.runs[1]!.perSeedTrainLoss![2]![1]);
    expect(Number(row[6])).toBe(res.runs[1]!.trainLoss!.mean[1]);
  });
  it('perSeed without finite data has no train columns', () => {
    const h = curveCsvHeader(syntheticResult({ perSeed: true }));
    expect(h.slice(6)).toEqual(['seed_0', 'seed_1']);
  });
  it('non-finite numbers', () => {
    expect([NaN, Infinity, -Infinity, 1e-300, 0.1].map(formatNumber)).toEqual(['nan', 'inf', '-inf', '1e-300', '0.1']);
  });
});
