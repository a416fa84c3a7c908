import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCurves, parseCsv, parseJson, readTable } from '../../lib/fit/readCurves.js';

const spec = { tCol: 'step', lossCol: 'loss_mean', groupCols: ['gamma', 'N'], seedCols: /^seed_\d+$/, stderrCol: 'loss_stderr' };
const CSV = [
  'gamma,N,step,loss_mean,loss_std,loss_stderr,seed_0,seed_1',
  '0,64,0,1,0,0,1,1',
  '0,64,10,0.5,0.1,0.07,0.45,0.55',
  '0,64,1,0.9,0.1,0.07,0.85,0.95',
  '0.5,64,1,0.8,0.1,0.07,0.75,0.85',
  '0.5,64,10,0.3,0.1,0.07,0.25,0.35',
].join('\n');

describe('reading curves', () => {
  it('splits a richscale curve.csv by (gamma, N), skips step 0, sorts by t, finds seed columns', () => {
    const curves = extractCurves(parseCsv(CSV, 'curve.csv'), spec);
    expect(curves.map((c) => c.label)).toEqual(['gamma=0 N=64', 'gamma=0.5 N=64']);
    const c = curves[0]!;
    expect(Array.from(c.t)).toEqual([1, 10]);
    expect(Array.from(c.loss)).toEqual([0.9, 0.5]);
    expect(c.seedNames).toEqual(['seed_0', 'seed_1']);
    expect(Array.from(c.seeds[1]!)).toEqual([0.95, 0.55]);
    expect(c.skippedNonPositiveT).toBe(1);
    expect(c.rowOf).toEqual([3, 2]);
  });

  it('reads JSON as an array of rows or an object of columns, and quoted CSV', () => {
    const rows = parseJson(JSON.stringify([{ t: 1, L: 1 }, { t: 2, L: 0.5 }]), 'a.json');
    const cols = parseJson(JSON.stringify({ t: [1, 2], L: [1, 0.5] }), 'b.json');
    for (const tbl of [rows, cols]) {
      const [c] = extractCurves(tbl, { tCol: 't', lossCol: 'L', groupCols: [], seedCols: null, stderrCol: null });
      expect(Array.from(c!.loss)).toEqual([1, 0.5]);
      expect(c!.label).toBe('all');
    }
    const q = parseCsv('"time, s",loss\n1,2\n', 'q.csv');
    expect(q.columns).toEqual(['time, s', 'loss']);
  });

  it('one-line errors: missing file, missing column, non-numeric or non-positive loss, duplicates, ragged rows', () => {
    expect(() => readTable('/nonexistent/curve.csv')).toThrow(/cannot read \/nonexistent\/curve\.csv: no such file/);
    const tbl = parseCsv(CSV, 'curve.csv');
    expect(() => extractCurves(tbl, { ...spec, lossCol: 'loss' })).toThrow(/no loss \(--loss-col\) column 'loss' \(columns: gamma, N, step/);
    expect(() => extractCurves(parseCsv('step,loss_mean\n1,-0.5\n2,0.1', 'x.csv'), { ...spec, groupCols: [], stderrCol: null }))
      .toThrow(/row 1: loss_mean = -0.5 is not positive/);
    expect(() => extractCurves(parseCsv('step,loss_mean\n1,abc\n', 'x.csv'), { ...spec, groupCols: [], stderrCol: null }))
      .toThrow(/loss_mean = 'abc' is not a finite number/);
    expect(() => extractCurves(parseCsv('step,loss_mean\n1,1\n1,2\n', 'x.csv'), { ...spec, groupCols: [], stderrCol: null }))
      .toThrow(/appears twice/);
    expect(() => parseCsv('a,b\n1\n', 'r.csv')).toThrow(/line 2 has 1 fields, the header has 2/);
    expect(() => parseJson('{"t": [1, 2], "L": [1]}', 'j.json')).toThrow(/column 'L' has 1 values/);
    const dir = mkdtempSync(join(tmpdir(), 'richscale-fit-'));
    writeFileSync(join(dir, 'e.csv'), '');
    expect(() => readTable(join(dir, 'e.csv'))).toThrow(/is empty/);
  });
});
