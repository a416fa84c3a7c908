/**
 * Checkpoint and resume end to end (issue 5): a run killed with SIGKILL at a random point, or stopped with SIGINT,
 * and resumed with --resume gives the same curve.csv as an uninterrupted run (one BLAS thread: bit-identical);
 * manifest.json keeps runs of different configs apart.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin', 'richscale.js');
const ENV = { ...process.env, RICHSCALE_DEBUG: '', OPENBLAS_NUM_THREADS: '1' };
const tmp = (): string => mkdtempSync(join(tmpdir(), 'richscale-resume-'));

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: ENV, timeout: 120_000 });
}

// About 2 s per seed on one core: long enough to be stopped mid-seed, short enough for the suite.
const CONFIG = ['--M', '512', '--N', '128', '--gamma', '0.5', '--eta', '0.2', '--batch', '16', '--sampler', 'exact',
  '--steps', '60000', '--seeds', '2', '--threads', '1', '--checkpoint-every', '0.2', '--quiet'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start a run, wait until a seed has a saved mid-run state, wait `extraMs` more, then send `signal`. */
async function startAndStop(out: string, signal: NodeJS.Signals, extraMs: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'simulate', ...CONFIG, '--out', out], { env: ENV });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  const ck = join(out, '.checkpoint');
  const deadline = Date.now() + 60_000;
  while (!(existsSync(ck) && readdirSync(ck).some((f) => f.endsWith('.state')))) {
    if (Date.now() > deadline) throw new Error('no checkpoint appeared');
    await sleep(20);
  }
  await sleep(extraMs);
  child.kill(signal);
  const e = await exited;
  return { ...e, stderr };
}

describe('checkpoint and resume (richscale simulate)', () => {
  const reference = (() => {
    let csv: string | null = null;
    return (): string => {
      if (csv === null) {
        const out = join(tmp(), 'ref');
        const r = run(['simulate', ...CONFIG, '--out', out]);
        expect(r.status, r.stderr).toBe(0);
        csv = readFileSync(join(out, 'curve.csv'), 'utf8');
        expect(existsSync(join(out, '.checkpoint'))).toBe(false);
        const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { status: string; configHash: string };
        expect(m.status).toBe('complete');
        expect(m.configHash).toMatch(/^[0-9a-f]{16}$/);
      }
      return csv;
    };
  })();

  it('SIGKILL at a random point, then --resume: the same curve.csv as the uninterrupted run', async () => {
    const ref = reference();
    const out = join(tmp(), 'killed');
    const stopped = await startAndStop(out, 'SIGKILL', Math.floor(Math.random() * 1500));
    expect(stopped.signal).toBe('SIGKILL');
    expect(existsSync(join(out, 'run.json'))).toBe(false);
    const r = run(['simulate', '--resume', out, '--threads', '1', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'curve.csv'), 'utf8')).toBe(ref);
  }, 120_000);

  it('SIGINT stops cleanly with exit 130 and says how to resume; the resumed run matches', async () => {
    const ref = reference();
    const out = join(tmp(), 'interrupted');
    const stopped = await startAndStop(out, 'SIGINT', 300);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(`richscale simulate --resume ${out}`);
    expect(existsSync(join(out, 'run.json'))).toBe(false);
    // The same command with the same --out also resumes (same config hash).
    const r = run(['simulate', ...CONFIG, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'curve.csv'), 'utf8')).toBe(ref);
  }, 120_000);

  it('an unfinished folder is not reused for another config, and --resume checks its arguments', async () => {
    const out = join(tmp(), 'guarded');
    await startAndStop(out, 'SIGKILL', 0);
    const other = run(['simulate', ...CONFIG, '--steps', '1000', '--out', out]);
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/holds an unfinished run of another config .*--resume/);
    const withFlags = run(['simulate', '--resume', out, '--N', '64']);
    expect(withFlags.status).not.toBe(0);
    expect(withFlags.stderr).toMatch(/--resume takes the config from .*manifest.json; remove --N/);
    const nowhere = run(['simulate', '--resume', join(out, 'nope')]);
    expect(nowhere.status).not.toBe(0);
    expect(nowhere.stderr).toMatch(/has no manifest.json/);
    expect(run(['simulate', '--resume', out, '--threads', '1', '--quiet']).status).toBe(0);
    const done = run(['simulate', '--resume', out]);
    expect(done.status).not.toBe(0);
    expect(done.stderr).toMatch(/already complete/);
    for (const r of [other, withFlags, nowhere, done]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
