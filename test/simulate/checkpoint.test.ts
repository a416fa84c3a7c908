/**
 * Chunked native runs (checkpoint and resume, docs/algorithm.md section 8): a run split into chunks, each
 * continuing from the state the previous one returned, must give bit-identical losses to the whole run (one BLAS
 * thread); the CheckpointStore round-trips states exactly and ignores records of another config.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../lib/native.js';
import { CheckpointStore } from '../../lib/simulate/checkpoint.js';
import { runSeedCheckpointed, stateLength } from '../../lib/simulate/checkpointedSeed.js';
import { logGrid } from '../../lib/grid.js';
import type { SeedKernelArgs } from '../../lib/simulate/types.js';
import { smallArgs } from './helpers.js';

const native = loadNative();
let threads = 1;
beforeAll(() => { threads = native.getNumThreads(); native.setNumThreads(1); });
afterAll(() => native.setNumThreads(threads));

async function whole(a: SeedKernelArgs) {
  return native.simulateSeed({ ...a, wantFinal: false }).promise;
}

/** The run in chunks ending at `stops` (then steps), each from the previous chunk's state. */
async function chunked(a: SeedKernelArgs, stops: number[]) {
  let state: Float64Array | undefined;
  const loss: number[] = [];
  const train: number[] = [];
  for (const stopAt of [...stops, a.steps]) {
    const r = await native.simulateSeed({ ...a, wantFinal: false, stopAt, wantState: true, ...(state ? { startState: state } : {}) }).promise;
    loss.push(...r.loss);
    train.push(...r.trainLoss);
    expect(r.stepsDone).toBe(stopAt);
    if (stopAt < a.steps) expect(r.state!.length).toBe(stateLength(a));
    state = r.state;
  }
  return { loss: Float64Array.from(loss), trainLoss: Float64Array.from(train) };
}

const cases: [string, Partial<SeedKernelArgs>][] = [
  ['projected γ>0, B=∞', { gamma: 1 }],
  ['projected γ=0, exact sampler B=4', { gamma: 0, batch: 4, sampler: 'exact' }],
  ['projected γ>0, explicit B=3 (normal spare carried)', { gamma: 0.5, batch: 3, sampler: 'explicit' }],
  ['unprojected γ>0, exact B=5', { model: 'unprojected', gamma: 0.7, batch: 5, sampler: 'exact' }],
  ['finite data P=20, B=4, train loss', { data: 20, batch: 4 }],
];

describe('chunked native runs equal the whole run bit for bit (1 BLAS thread)', () => {
  for (const [name, over] of cases) {
    it(name, async () => {
      const a = smallArgs({ ...over, steps: 300, eta: 0.2, recordSteps: logGrid(300, 40) });
      const ref = await whole(a);
      const got = await chunked(a, [1, 2, 7, 64, 65, 199]);
      expect(Array.from(got.loss)).toEqual(Array.from(ref.loss));
      expect(Array.from(got.trainLoss)).toEqual(Array.from(ref.trainLoss));
    });
  }
});

describe('chunk arguments are checked at the native boundary', () => {
  const a = smallArgs({ steps: 50 });
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['stopAt beyond steps', { stopAt: 51 }, /stopAt must be an integer in \[1, steps\]/],
    ['state of the wrong length', { startState: new Float64Array(5) }, /startState must be a Float64Array of length/],
    ['state with a NaN', { startState: new Float64Array(stateLength(a)).fill(NaN) }, /startState\[0\] must be finite/],
    ['state of another version', { startState: new Float64Array(stateLength(a)).fill(0) }, /version/],
  ];
  for (const [name, extra, msg] of bad) {
    it(name, () => {
      expect(() => native.simulateSeed({ ...a, ...extra } as SeedKernelArgs)).toThrow(msg);
    });
  }
  it('a state at or past stopAt is refused', async () => {
    const r = await native.simulateSeed({ ...a, stopAt: 20, wantState: true }).promise;
    expect(() => native.simulateSeed({ ...a, stopAt: 20, startState: r.state })).toThrow(/startState is at step 20/);
  });
});

describe('runSeedCheckpointed', () => {
  const dir = (): string => join(mkdtempSync(join(tmpdir(), 'richscale-ck-')), '.checkpoint');

  it('an aborted run saves its state; resuming from the store gives the uninterrupted losses', async () => {
    const a = smallArgs({ N: 64, M: 256, gamma: 0.5, batch: 8, sampler: 'exact', steps: 20000, eta: 0.2, recordSteps: logGrid(20000, 60) });
    const ref = await whole(a);
    const store = new CheckpointStore(dir(), 'h1');
    const ac = new AbortController();
    let stopped = false;
    const first = runSeedCheckpointed(a, 'k', { store, intervalSeconds: 0.05 }, ac.signal, (done) => {
      if (done > 3000 && !stopped) { stopped = true; ac.abort(); }
    });
    await expect(first).rejects.toThrow(/cancelled/);
    const saved = await store.load('k', stateLength(a));
    expect(saved).not.toBeNull();
    expect(saved!.done).toBe(false);
    expect(saved!.stepsDone).toBeGreaterThan(3000);
    expect(saved!.stepsDone).toBeLessThan(20000);
    let resumedAt = -1;
    const res = await runSeedCheckpointed(a, 'k', { store, intervalSeconds: 0.05 }, undefined, undefined, (t) => { resumedAt = t; });
    expect(resumedAt).toBe(saved!.stepsDone);
    expect(Array.from(res.loss)).toEqual(Array.from(ref.loss));
    // Finished seeds are recorded whole: a second call loads them without running.
    const again = await runSeedCheckpointed(a, 'k', { store, intervalSeconds: 0.05 });
    expect(Array.from(again.loss)).toEqual(Array.from(ref.loss));
    // Only the record of the finished seed is left (its last state file was removed).
    expect(readdirSync(store.dir)).toEqual(['k.json']);
  });

  it('records of another config, or a truncated state, are ignored and reported', async () => {
    const d = dir();
    const a = smallArgs({ steps: 400, recordSteps: logGrid(400, 20) });
    const s1 = new CheckpointStore(d, 'hash-a');
    const ac = new AbortController();
    await expect(runSeedCheckpointed(a, 'k', { store: s1, intervalSeconds: 0 }, ac.signal, (t) => { if (t > 100) ac.abort(); })).rejects.toThrow();
    const ignored: string[] = [];
    const s2 = new CheckpointStore(d, 'hash-b', (_k, why) => ignored.push(why));
    expect(await s2.load('k', stateLength(a))).toBeNull();
    expect(ignored).toEqual(['checkpoint of another config']);
    const stateFile = readdirSync(d).find((f) => f.endsWith('.state'))!;
    writeFileSync(join(d, stateFile), Buffer.alloc(16));
    const why: string[] = [];
    expect(await new CheckpointStore(d, 'hash-a', (_k, w) => why.push(w)).load('k', stateLength(a))).toBeNull();
    expect(why).toEqual(['truncated checkpoint state']);
  });
});
