/**
 * The time-marching finite-N DMFT solver (SPEC 3.2, docs/theory-dmft.md, docs/performance.md): native vs its
 * pure-TS twin, march vs the Picard reference (same fixed point) over γ ∈ {0, 0.5, 2}, N ∈ {64, 256},
 * β ∈ {0.5, 1.2}, the lazy N → ∞ closed form, progress, cancellation and the memory limit.
 */
import { describe, expect, it } from 'vitest';
import { dmftMarchBytes, DmftError, solveDmft, type DmftParams } from '../../lib/theory/dmft.js';
import { lazyInfiniteLoss, makeTask } from '../../lib/task.js';

const maxRel = (a: Float64Array, b: Float64Array): number => {
  let w = 0;
  for (let t = 0; t < b.length; t++) w = Math.max(w, Math.abs(a[t]! - b[t]!) / Math.abs(b[t]!));
  return w;
};

describe('dmft march: native kernel vs pure-TS twin', () => {
  const base: DmftParams = { alpha: 2, beta: 0.5, M: 24, N: 8, gamma: 0.5, eta: 0.5, batch: Infinity, steps: 30 };
  for (const p of [
    { ...base },
    { ...base, block: 8 },
    { ...base, gamma: 2, N: 16, block: 5 },
    { ...base, gamma: 0, block: 31 },
    { ...base, M: 300, N: 40, gamma: 1, modeBins: 20, steps: 25, block: 16, threads: 1 },
  ] satisfies DmftParams[]) {
    it(`agree to 1e-10 (γ = ${p.gamma}, N = ${p.N}, block ${p.block ?? 'default'})`, async () => {
      const nat = await solveDmft(p);
      const ref = await solveDmft(p, { backend: 'reference' });
      expect(nat.diagnostics.solver).toBe('march');
      expect(ref.diagnostics.solver).toBe('march');
      expect(maxRel(nat.loss, ref.loss)).toBeLessThan(1e-10);
    });
  }
});

describe('dmft march = Picard (the same fixed point)', () => {
  // The workload of the simulation checks (dmft.test.ts) at T = 100, and two cases at T = 200; Picard run to 1e-11.
  // (γ = 2 at T = 200 was checked once outside the suite, Picard taking minutes: docs/theory-dmft.md §4.1.)
  const cases: Array<{ beta: number; gamma: number; N: number; steps: number }> = [];
  for (const beta of [0.5, 1.2]) for (const gamma of [0, 0.5, 2]) for (const N of [64, 256]) cases.push({ beta, gamma, N, steps: 100 });
  cases.push({ beta: 0.5, gamma: 0.5, N: 256, steps: 200 }, { beta: 1.2, gamma: 0, N: 64, steps: 200 });
  for (const c of cases) {
    it(`β = ${c.beta}, γ = ${c.gamma}, N = ${c.N}, T = ${c.steps}: every loss value within 1e-8 relative`, async () => {
      const p: DmftParams = { alpha: 2, beta: c.beta, M: 1024, N: c.N, gamma: c.gamma, eta: 0.25, batch: Infinity, steps: c.steps, modeBins: 128 };
      const march = await solveDmft(p);
      const picard = await solveDmft({ ...p, solver: 'picard', tol: 1e-11, maxIter: 2000 });
      expect(picard.diagnostics.solver).toBe('picard');
      const d = maxRel(march.loss, picard.loss);
      console.log(`march vs picard β=${c.beta} γ=${c.gamma} N=${c.N} T=${c.steps}: max rel ${d.toExponential(2)} (march ${march.diagnostics.passes} passes ${Number(march.diagnostics.seconds).toFixed(2)} s, picard ${picard.diagnostics.iterations} it ${Number(picard.diagnostics.seconds).toFixed(2)} s)`);
      // Measured (2026-12-04, block 1): see the console line; ≤ 1e-11 on every case.
      expect(d).toBeLessThan(1e-8);
    }, 300_000);
  }
});

describe('dmft march: limits, progress, errors', () => {
  const base: DmftParams = { alpha: 2, beta: 0.5, M: 64, N: 8, gamma: 0, eta: 0.5, batch: Infinity, steps: 40 };
  it('γ = 0, N → ∞ equals the lazy closed form Σλw*²(1-ηλ)^{2t}, with an O(1/N) correction', async () => {
    const task = makeTask(base.alpha, base.beta, base.M);
    const dev = async (N: number): Promise<number> => {
      const c = await solveDmft({ ...base, N });
      expect(c.diagnostics.solver).toBe('march');
      let worst = 0;
      for (let t = 0; t <= base.steps; t++) {
        const lazy = lazyInfiniteLoss(task, base.eta, t);
        worst = Math.max(worst, Math.abs(c.loss[t]! - lazy) / lazy);
      }
      return worst;
    };
    const d3 = await dev(1e3), d4 = await dev(1e4), d6 = await dev(1e6);
    expect(d6).toBeLessThan(1e-5);
    expect(d3 / d4).toBeGreaterThan(8);
    expect(d3 / d4).toBeLessThan(12);
  });
  it('reports rows done through onProgress (native and reference), monotone up to 1', async () => {
    for (const backend of ['native', 'reference'] as const) {
      const fr: number[] = [];
      const msgs: string[] = [];
      await solveDmft({ ...base, gamma: 0.5 }, { backend, onProgress: (f, m) => { fr.push(f); if (m) msgs.push(m); } });
      expect(fr.length).toBeGreaterThan(0);
      for (let i = 1; i < fr.length; i++) expect(fr[i]!).toBeGreaterThanOrEqual(fr[i - 1]!);
      expect(fr.at(-1)).toBeLessThanOrEqual(1);
      expect(msgs[0]).toMatch(/march: \d+\/41 rows/);
    }
  });
  it('abort → AbortError; a running native march can be cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(solveDmft(base, { signal: ac.signal })).rejects.toThrow(/cancelled/);
    const ac2 = new AbortController();
    const run = solveDmft({ ...base, M: 2048, modeBins: 128, N: 256, steps: 600, eta: 0.25, gamma: 0.5 }, { signal: ac2.signal });
    setTimeout(() => ac2.abort(), 200);
    await expect(run).rejects.toThrow(/cancelled/);
  });
  it('refuses a T whose memory formula exceeds the budget with one line; Picard keeps T ≤ 1000', async () => {
    const bytes = dmftMarchBytes(100000, 128);
    expect(bytes).toBeGreaterThan(1e12);
    const err = await solveDmft({ ...base, M: 2048, steps: 19000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DmftError);
    expect(String((err as Error).message)).toMatch(/march solver on this machine: it needs ≈ [\d.]+ GiB/);
    expect(String((err as Error).message)).not.toMatch(/\n/);
    await expect(solveDmft({ ...base, steps: 30000 })).rejects.toThrow(/too many for the march solver \(max 20000\)/);
    await expect(solveDmft({ ...base, solver: 'picard', steps: 1500 })).rejects.toThrow(/too many for the Picard solver/);
    await expect(solveDmft({ ...base, solver: 'march', batch: 8 })).rejects.toThrow(/B = ∞ only/);
    await expect(solveDmft({ ...base, block: 0 })).rejects.toThrow(/block must be/);
  });
  it('finite batch still uses Picard by default', async () => {
    const c = await solveDmft({ ...base, batch: 8, steps: 10 });
    expect(c.diagnostics.solver).toBe('picard');
  });
});
