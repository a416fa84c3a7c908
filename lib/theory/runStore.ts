/**
 * Incremental results of `richscale theory`: every finished (N, γ) solve is saved (atomically, with the config
 * hash) under DIR/.checkpoint as it completes, so an interrupted or killed run, rerun with the same --out, only
 * solves what is missing. Solves themselves are not split (the slowest, a T = 1000 DMFT, is minutes at most).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../io/atomicWrite.js';
import { makeDirs } from '../io/mkdirs.js';
import type { Solver } from './dispatch.js';
import type { TheoryRun } from './outputs.js';

interface StoredRun {
  configHash: string; N: number; gamma: number; solver: Solver; seconds: number;
  steps: number[]; loss: number[]; lossStderr: number[] | null; truncationFloor: number;
  diagnostics: Record<string, number | string | boolean>; notes: string[];
}

export class TheoryRunStore {
  constructor(readonly dir: string, readonly configHash: string) {}

  private path(N: number, gamma: number): string {
    return join(this.dir, `theory_g${gamma}_N${N}.json`);
  }

  /** The saved solve for (N, γ) with this config hash and solver, or null. */
  async load(N: number, gamma: number, solver: Solver): Promise<TheoryRun | null> {
    try {
      const s = JSON.parse(await readFile(this.path(N, gamma), 'utf8')) as StoredRun;
      if (s.configHash !== this.configHash || s.solver !== solver || s.N !== N || s.gamma !== gamma) return null;
      if (!Array.isArray(s.loss) || s.loss.length !== s.steps.length || !s.loss.every(Number.isFinite)) return null;
      return {
        N, gamma, solver, seconds: s.seconds,
        curve: {
          solver: s.solver, steps: Float64Array.from(s.steps), loss: Float64Array.from(s.loss),
          lossStderr: s.lossStderr ? Float64Array.from(s.lossStderr) : null, truncationFloor: s.truncationFloor,
          diagnostics: s.diagnostics, notes: s.notes,
        },
      };
    } catch {
      return null;
    }
  }

  async save(r: TheoryRun): Promise<void> {
    await makeDirs(this.dir);
    const s: StoredRun = {
      configHash: this.configHash, N: r.N, gamma: r.gamma, solver: r.solver, seconds: r.seconds,
      steps: Array.from(r.curve.steps), loss: Array.from(r.curve.loss),
      lossStderr: r.curve.lossStderr ? Array.from(r.curve.lossStderr) : null, truncationFloor: r.curve.truncationFloor,
      diagnostics: r.curve.diagnostics, notes: r.curve.notes,
    };
    await atomicWrite(this.path(r.N, r.gamma), JSON.stringify(s));
  }

  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
