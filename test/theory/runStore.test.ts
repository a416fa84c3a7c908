/** Incremental theory results: a saved solve round-trips exactly and is only reused for the same hash and solver. */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TheoryRunStore } from '../../lib/theory/runStore.js';
import type { TheoryRun } from '../../lib/theory/outputs.js';

const dir = (): string => join(mkdtempSync(join(tmpdir(), 'richscale-theory-store-')), '.checkpoint');

const run: TheoryRun = {
  N: 64, gamma: 0.5, solver: 'dmft', seconds: 1.25,
  curve: {
    solver: 'dmft', steps: Float64Array.of(0, 1, 2), loss: Float64Array.of(1.2345678901234567, 0.5, 1 / 3),
    lossStderr: null, truncationFloor: 1e-3, diagnostics: { iterations: 7, backend: 'native' }, notes: ['a note'],
  },
};

describe('TheoryRunStore', () => {
  it('round-trips a solve exactly', async () => {
    const s = new TheoryRunStore(dir(), 'h');
    await s.save(run);
    const back = await s.load(64, 0.5, 'dmft');
    expect(back).not.toBeNull();
    expect(Array.from(back!.curve.loss)).toEqual(Array.from(run.curve.loss));
    expect(back!.curve.diagnostics).toEqual(run.curve.diagnostics);
  });
  it('is not reused for another hash, solver or (N, γ)', async () => {
    const d = dir();
    await new TheoryRunStore(d, 'h').save(run);
    expect(await new TheoryRunStore(d, 'other').load(64, 0.5, 'dmft')).toBeNull();
    expect(await new TheoryRunStore(d, 'h').load(64, 0.5, 'ode-map')).toBeNull();
    expect(await new TheoryRunStore(d, 'h').load(128, 0.5, 'dmft')).toBeNull();
  });
});

describe('richscale theory output folder', () => {
  it('ends with a complete manifest (config hash) and no leftover checkpoint', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'richscale-theory-')), 'run');
    const bin = fileURLToPath(new URL('../../dist/bin/richscale.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'theory', '--M', '256', '--N', '32,64', '--gamma', '0', '--steps', '40', '--out', out, '--quiet'],
      { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { status: string; configHash: string; command: string };
    expect(m).toMatchObject({ status: 'complete', command: 'theory' });
    expect(m.configHash).toMatch(/^[0-9a-f]{16}-auto$/);
    expect(existsSync(join(out, '.checkpoint'))).toBe(false);
  });
});
