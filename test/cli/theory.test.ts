/** End-to-end tests of `richscale theory` / `compare` output folders, widths and warnings (compiled CLI). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { truncationFloor } from '../../lib/task.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin', 'richscale.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'richscale-theory-cli-'));

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp(), encoding: 'utf8', env: { ...process.env, RICHSCALE_DEBUG: '', OPENBLAS_NUM_THREADS: '1' }, timeout: 120_000,
  });
}
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

/** A lazy N = ∞ ODE run long enough for the learning front to reach M = 64 (α = 2: k*(t) ~ t^{1/2} = 64 at t ≈ 4000). */
const ODE = ['theory', '--solver', 'ode-flow', '--alpha', '2', '--beta', '0.5', '--gamma', '0', '--batch', 'inf', '--threads', '1'];

describe('richscale theory / compare (end to end)', () => {
  it('--dmft-solver with no run on the finite-N DMFT warns in one line (and still runs)', () => {
    const r = run([...ODE, '--M', '1e9', '--steps', '100', '--dmft-solver', 'picard', '--out', join(tmp(), 'w')]);
    expect(r.status).toBe(0);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^richscale: warning: --dmft-solver picard has no effect: .*ode-flow/)]);
  });
  it('an N = ∞ solver is labelled N = inf, solved once per γ, and flagged once its curve is truncation-limited', () => {
    const out = join(tmp(), 'ode');
    const r = run([...ODE, '--M', '64', '--N', '16,32', '--steps', '100000', '--out', out]);
    expect(r.status).toBe(0);
    // One run although two widths were given: the N = ∞ curve does not depend on N.
    expect(lines(r.stdout)[0]).toMatch(/^γ = 0, N = ∞: ode-flow, final loss /);
    expect(lines(r.stdout)).toHaveLength(2);
    const csv = lines(readFileSync(join(out, 'curve.csv'), 'utf8'));
    expect(csv[0]).toBe('gamma,N,step,loss,loss_stderr,solver');
    expect(new Set(csv.slice(1).map((l) => l.split(',')[1]))).toEqual(new Set(['inf']));
    // The warning names the first recorded step whose loss is below 10× the closed-form truncation floor.
    const floor = truncationFloor(2, 0.5, 64);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    const first = rows.find((x) => x[2]! > 0 && x[3]! < 10 * floor)!;
    expect(first).toBeDefined();
    expect(lines(r.stderr)).toEqual([expect.stringMatching(
      new RegExp(`^richscale: warning \\(γ = 0, ode-flow\\): truncation-limited from step ${first[2]}: .* of M = 64 modes .*raise --M`))]);
    const j = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(j.theory[0].width).toBe('inf');
    expect(j.theory[0].diagnostics.truncationLimitedFrom).toBe(first[2]);
  });

  it('with M far above the learning front there is no warning, and M = 1e9 is accepted (the simulator limit N·M ≤ 2e8 does not apply)', () => {
    const r = run([...ODE, '--M', '1e9', '--N', '512', '--steps', '10000', '--out', join(tmp(), 'big')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a folder holding another run is refused unless --force, which replaces that run and leaves none of its files', () => {
    const out = join(tmp(), 'shared');
    const small = ['--M', '64', '--N', '16', '--steps', '20', '--batch', 'inf', '--threads', '1', '--quiet', '--out', out];
    expect(run(['theory', '--solver', 'dmft', ...small]).status).toBe(0);
    expect(existsSync(join(out, 'loss.png'))).toBe(true);
    const again = run(['compare', '--seeds', '2', ...small]);
    expect(again.status).toBe(1);
    expect(lines(again.stderr)).toEqual([expect.stringMatching(/already holds a richscale run \(run\.json\).*--force/)]);
    const forced = run(['compare', '--seeds', '2', '--force', ...small]);
    expect(forced.status).toBe(0);
    expect(existsSync(join(out, 'compare.png'))).toBe(true);
    expect(existsSync(join(out, 'loss.png'))).toBe(false); // the theory run's plot is gone: no mixed folder
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ command: 'compare', status: 'complete' });
  });

  it('theory refuses --precision float32 (a simulator mode) with one line', () => {
    const r = run(['theory', '--M', '64', '--N', '16', '--steps', '10', '--batch', 'inf', '--precision', 'float32', '--out', join(tmp(), 'p')]);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^richscale: theory: precision = 'float32' applies to the simulator only/)]);
  });

  it('a --force run that fails leaves no result of the run it replaced', () => {
    const out = join(tmp(), 'forced');
    const base = ['simulate', '--M', '32', '--N', '8', '--steps', '20', '--seeds', '1', '--threads', '1', '--quiet', '--out', out];
    expect(run(base).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = run([...base, '--force', '--eta', '100']);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)[0]).toMatch(/^richscale: diverged at step/);
    for (const f of ['run.json', 'curve.csv', 'loss.png', 'loss.svg']) expect(existsSync(join(out, f))).toBe(false);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine'); // files richscale did not write are kept
  });
});
