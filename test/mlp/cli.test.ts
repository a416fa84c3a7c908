/** End-to-end tests of `richscale sobolev` and `richscale spectrum` (compiled CLI; npm test runs tsc first). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin', 'richscale.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'richscale-mlp-'));

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp(), encoding: 'utf8', env: { ...process.env, RICHSCALE_DEBUG: '', OPENBLAS_NUM_THREADS: '1' }, timeout: 120_000,
  });
}

const file = (name: string, data: string | Buffer): string => {
  const p = join(tmp(), name);
  writeFileSync(p, data);
  return p;
};

const TINY = ['--width', '16', '--depth', '2', '--batch', '4', '--steps', '200', '--seeds', '2', '--gamma0', '0.1,1', '--q', '1,1.75',
  '--K', '16', '--grid', '64', '--ntk-points', '64', '--spec-window', '2:12', '--bootstrap', '50', '--threads', '2'];

describe('richscale sobolev', () => {
  it('a tiny run writes curve.csv, spectrum.csv, run.json and the plots', () => {
    const out = join(tmp(), 'sob');
    const r = run(['sobolev', ...TINY, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { tasks: {
      q: number; lazyNtkTheoryRotationAveraged: { exponent: number; window: { tEnd: number } } | null;
      runs: { gamma0: number; exponent: number; window: { tStart: number; tEnd: number }; gainOverRotationAveragedLazy: { value: number } | null }[];
    }[] };
    expect(j.tasks.map((t) => t.q)).toEqual([1, 1.75]);
    expect(j.tasks[0]!.runs.map((x) => x.gamma0)).toEqual([0.1, 1]);
    expect(j.tasks[0]!.runs[0]!.window.tEnd).toBe(200);
    // The rotation-averaged (leak-free) lazy theory is fitted on the same window, and every run's exponent is
    // compared with it.
    for (const t of j.tasks) {
      const sym = t.lazyNtkTheoryRotationAveraged!;
      expect(Number.isFinite(sym.exponent)).toBe(true);
      expect(sym.window.tEnd).toBe(200);
      for (const x of t.runs) expect(x.gainOverRotationAveragedLazy!.value).toBeCloseTo(x.exponent - sym.exponent, 12);
    }
    for (const f of ['curve.csv', 'spectrum.csv', 'run.json', 'loss-q1.png', 'loss-q1.svg', 'loss-q1.75.png', 'spectrum.png', 'spectrum.svg']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const csv = readFileSync(join(out, 'curve.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('q,gamma0,step,loss_mean,loss_std,loss_stderr,seed_0,seed_1');
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(runJson.config).toMatchObject({ width: 16, steps: 200, gamma0: [0.1, 1] });
    expect(runJson.spectrum).toHaveProperty('alphaKnown.value', 2);
  });

  it('config errors are one line naming the key, the value and the range', () => {
    let r = run(['sobolev', '--width', '0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^richscale: config: width = 0 is not valid: must be an integer in \[2, 8192\] \(hidden width N\)\n$/);
    r = run(['sobolev', '--gamma0', '0.1,abc']);
    expect(r.stderr).toMatch(/^richscale: config: gamma0 = \[0\.1, 'abc'\] is not valid: must be a finite number > 0/);
    const cfg = file('c.json', JSON.stringify({ width: 32, widht: 3 }));
    r = run(['sobolev', '--config', cfg]);
    expect(r.stderr).toMatch(/^richscale: config \(.*c\.json\): unknown key 'widht' \(allowed: width, depth/);
    r = run(['sobolev', '--K', '1100']);
    expect(r.stderr).toMatch(/grid = 2048 is not valid: must be ≥ 2·K = 2200/);
    expect(r.stderr.split('\n').filter((l) => l !== '').length).toBe(1);
  });
});

describe('richscale spectrum', () => {
  const n = 64;
  const K = (alpha: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => {
    let s = 1;
    for (let k = 1; k < n / 2; k++) s += 2 * Math.pow(k, -alpha) * Math.cos((2 * Math.PI * k * (i - j)) / n);
    return s;
  }));
  const y = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let k = 1; k < n / 2; k++) s += Math.pow(k, -1.25) * Math.cos((2 * Math.PI * k * j) / n);
    return s;
  });

  it('estimates α from a CSV kernel and β from a target, and reads raw float64 binary the same', () => {
    const kernel = K(2);
    const csv = file('k.csv', kernel.map((r) => r.join(',')).join('\n'));
    const target = file('y.csv', y.join('\n'));
    const r = run(['spectrum', '--kernel', csv, '--target', target, '--mode', 'circle', '--window', '3:12', '--json']);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { alpha: { value: number }; beta: { value: number }; n: number };
    expect(j.n).toBe(n);
    expect(j.alpha.value).toBeCloseTo(2, 8);
    expect(j.beta.value).toBeGreaterThan(0.6);
    expect(j.beta.value).toBeLessThan(0.85); // (2q − 1)/α = 0.75 up to the window's discreteness and truncation
    const buf = Buffer.alloc(8 * n * n);
    kernel.flat().forEach((v, i) => buf.writeDoubleLE(v, 8 * i));
    const bin = file('k.bin', buf);
    const r2 = run(['spectrum', '--kernel', bin, '--n', String(n), '--target', target, '--mode', 'circle', '--window', '3:12', '--json']);
    expect(JSON.parse(r2.stdout)).toEqual(j);
    const table = run(['spectrum', '--kernel', csv, '--target', target, '--mode', 'circle', '--window', '3:12']);
    expect(table.stdout).toMatch(/alpha\s+2\.0000/);
  });

  it('one-line errors: missing file, non-square, non-symmetric, NaN, bad binary length, target length', () => {
    const cases: [string[], RegExp][] = [
      [['--kernel', '/nonexistent/k.csv'], /cannot read kernel '\/nonexistent\/k\.csv': no such file/],
      [['--kernel', file('a.csv', '1,2\n3,4\n5,6')], /is 3×2: a kernel must be square/],
      [['--kernel', file('b.csv', '1,2\n3,4')], /is not symmetric: K\[1,2\] = 2 but K\[2,1\] = 3/],
      [['--kernel', file('c.csv', '1,nan\nnan,1')], /entry \(row 1, column 2\) is NaN \(must be finite\)/],
      [['--kernel', file('d.bin', Buffer.alloc(8 * 5))], /5 values is not a square matrix/],
      [['--kernel', file('e.csv', '1,x\n0,1')], /line 1, field 2: 'x' is not a number/],
      [['--kernel', file('f.csv', K(2).map((r) => r.join(',')).join('\n')), '--target', file('y.csv', '1\n2\n3')], /the target has 3 values but the kernel has n = 64 rows/],
      [[], /give exactly one of --kernel <file> or --features <file>/],
    ];
    for (const [args, re] of cases) {
      const r = run(['spectrum', ...args]);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.split('\n').filter((l) => l !== '').length).toBe(1);
    }
  });

  it('a feature matrix gives the same α as its Gram kernel', () => {
    // Features: random Fourier features with power k^-α/2 per frequency on n circle points.
    const F = Array.from({ length: n }, (_, j) => {
      const row: number[] = [1];
      for (let k = 1; k < n / 2; k++) {
        const a = Math.sqrt(2 * Math.pow(k, -2));
        row.push(a * Math.cos((2 * Math.PI * k * j) / n), a * Math.sin((2 * Math.PI * k * j) / n));
      }
      return row;
    });
    const r = run(['spectrum', '--features', file('F.csv', F.map((x) => x.join(' ')).join('\n')), '--mode', 'circle', '--window', '3:12', '--json']);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { alpha: { value: number } }).alpha.value).toBeCloseTo(2, 8);
  });
});

describe('richscale sobolev: output folders and runs that cannot train', () => {
  const small = ['--width', '32', '--steps', '100', '--seeds', '1', '--ntk-points', '64', '--spec-window', '4:12', '--K', '32',
    '--grid', '64', '--quiet', '--threads', '1'];
  const oneLine = (r: SpawnSyncReturns<string>): string[] => r.stderr.split('\n').filter((l) => l !== '');

  it('a folder holding a run is refused unless --force, which replaces that run and leaves none of its files', () => {
    const out = join(tmp(), 'again');
    expect(run(['sobolev', ...small, '--out', out]).status).toBe(0);
    writeFileSync(join(out, 'compare.csv'), 'stale'); // as if another command's run had been there
    const r = run(['sobolev', ...small, '--out', out]);
    expect(r.status).toBe(1);
    expect(oneLine(r)).toEqual([expect.stringMatching(/already holds a richscale run \(run\.json\).*--force/)]);
    expect(run(['sobolev', ...small, '--out', out, '--force']).status).toBe(0);
    expect(existsSync(join(out, 'compare.csv'))).toBe(false);
    expect(existsSync(join(out, 'run.json'))).toBe(true);
  });

  it('every run diverging exits 1 with one line and leaves no folder; an underflowing γ0 is refused', () => {
    const out = join(tmp(), 'nested', 'diverged');
    const r = run(['sobolev', ...small, '--out', out, '--lr', '1e300']);
    expect(r.status).toBe(1);
    expect(oneLine(r)).toEqual([expect.stringMatching(/^richscale: sobolev: every run diverged, nothing written; first: mlp training diverged/)]);
    expect(existsSync(join(out, '..'))).toBe(false);
    const g = run(['sobolev', ...small, '--out', join(tmp(), 'g'), '--gamma0', '1e-300']);
    expect(g.status).toBe(1);
    expect(oneLine(g)).toEqual([expect.stringMatching(/^richscale: config: gamma0 = 1e-300 .* the network would not train/)]);
  });
});
