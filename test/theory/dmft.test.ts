/**
 * Finite-N DMFT (SPEC 3.1–3.2, docs/theory-dmft.md): native vs pure-TS twin, the lazy N → ∞ limit, the exact
 * first-step Wishart moment (the O(1/N) deviation), and agreement with seed-averaged simulations (SPEC 6.7, 9).
 */
import { describe, expect, it } from 'vitest';
import { solveDmft, DmftError, type DmftParams } from '../../lib/theory/dmft.js';
import { dmftModes } from '../../lib/theory/dmftModes.js';
import { runSweep } from '../../lib/simulate/sweep.js';
import { lazyInfiniteLoss, makeTask } from '../../lib/task.js';

const base: DmftParams = { alpha: 2, beta: 0.5, M: 24, N: 8, gamma: 0, eta: 0.5, batch: Infinity, steps: 12 };

describe('dmft (Picard solver): native kernel vs pure-TS twin', () => {
  // The march solver's twin test is in dmftMarch.test.ts.
  for (const p of [
    { ...base, gamma: 0.5, solver: 'picard' },
    { ...base, gamma: 0, batch: 4 },
    { ...base, M: 300, N: 40, gamma: 1, modeBins: 20, steps: 10, solver: 'picard' },
  ] satisfies DmftParams[]) {
    it(`agree to 1e-10 (γ = ${p.gamma}, B = ${p.batch}, M = ${p.M})`, async () => {
      const nat = await solveDmft(p);
      const ref = await solveDmft(p, { backend: 'reference' });
      expect(nat.diagnostics.iterations).toBe(ref.diagnostics.iterations);
      for (let t = 0; t <= p.steps; t++) {
        expect(Math.abs(nat.loss[t]! - ref.loss[t]!) / ref.loss[t]!).toBeLessThan(1e-10);
      }
    });
  }
});

describe('dmft: limits and exact moments', () => {
  it('γ = 0, N → ∞ equals the lazy closed form Σλw*²(1-ηλ)^{2t}, with an O(1/N) correction', async () => {
    const p = { ...base, M: 64, steps: 40 };
    const task = makeTask(p.alpha, p.beta, p.M);
    const dev = async (N: number): Promise<number> => {
      const c = await solveDmft({ ...p, N });
      let worst = 0;
      for (let t = 0; t <= p.steps; t++) {
        const lazy = lazyInfiniteLoss(task, p.eta, t);
        worst = Math.max(worst, Math.abs(c.loss[t]! - lazy) / lazy);
      }
      return worst;
    };
    const d3 = await dev(1e3), d4 = await dev(1e4), d6 = await dev(1e6);
    expect(d6).toBeLessThan(1e-5);
    expect(d3 / d4).toBeGreaterThan(8);   // ~1/N
    expect(d3 / d4).toBeLessThan(12);
  });

  it('first step: matches the exact Wishart moment up to the Wishart-diagonal term η²Σλ³w*²/N (O(1/N))', async () => {
    // E L(1) = Σλw² - 2ηΣλ²w² + η²[(1+1/N)Σλ³w² + TrΛ·Σλ²w²/N] for K = A0ᵀA0/N (SPEC 3.2 status note).
    for (const N of [16, 64, 256]) {
      const p = { ...base, M: 128, N, steps: 2 };
      const task = makeTask(p.alpha, p.beta, p.M);
      let s1 = 0, s2 = 0, s3 = 0, tr = 0;
      for (let k = 0; k < p.M; k++) {
        const l = task.lambda[k]!, w2 = task.wstar[k]! ** 2;
        s1 += l * w2; s2 += l * l * w2; s3 += l ** 3 * w2; tr += l;
      }
      const exact = s1 - 2 * p.eta * s2 + p.eta ** 2 * ((1 + 1 / N) * s3 + (tr * s2) / N);
      const c = await solveDmft(p);
      const dev = exact - c.loss[1]!;
      expect(Math.abs(dev - (p.eta ** 2 * s3) / N) / exact).toBeLessThan(1e-9);
    }
  });
});

describe('dmft: input checks', () => {
  it('refuses inputs outside its assumptions with one-line errors', async () => {
    await expect(solveDmft({ ...base, gamma: 0.5, batch: 8 })).rejects.toThrow(/stochastic N = ∞ DMFT/);
    await expect(solveDmft({ ...base, alpha: 1 })).rejects.toThrow(DmftError);
    await expect(solveDmft({ ...base, solver: 'picard', steps: 5000 })).rejects.toThrow(/too many/);
    await expect(solveDmft({ ...base, N: 0 })).rejects.toThrow(/N must be/);
    await expect(solveDmft({ ...base, eta: 3 })).rejects.toThrow(/eta/);
  });
  it('does not converge → clear error (Picard); abort → AbortError', async () => {
    await expect(solveDmft({ ...base, gamma: 0.5, maxIter: 3, solver: 'picard' })).rejects.toThrow(/did not converge/);
    const ac = new AbortController();
    ac.abort();
    await expect(solveDmft(base, { signal: ac.signal })).rejects.toThrow(/cancelled/);
  });
  it('reports per-iteration residuals through onProgress (Picard, native and reference)', async () => {
    for (const backend of ['native', 'reference'] as const) {
      const msgs: string[] = [];
      let last = 0;
      const c = await solveDmft({ ...base, gamma: 0.5, solver: 'picard' }, { backend, onProgress: (f, m) => { last = f; if (m) msgs.push(m); } });
      expect(msgs.length).toBeGreaterThan(0);
      expect(msgs[0]).toMatch(/iteration \d+, residual \d\.\d+e[-+]\d+/);
      expect(last).toBeGreaterThan(0);
      expect(last).toBeLessThanOrEqual(1);
      expect(c.diagnostics.residual).toBeLessThan(1e-9);
    }
  });
  it('mode bins preserve the initial loss', () => {
    const m = dmftModes(2, 0.5, 5000, 64);
    const task = makeTask(2, 0.5, 5000);
    let a = 0, b = 0, mult = 0;
    for (let j = 0; j < m.lambda.length; j++) { a += m.mult[j]! * m.lambda[j]! * m.wstar2[j]!; mult += m.mult[j]!; }
    for (let k = 0; k < 5000; k++) b += task.lambda[k]! * task.wstar[k]! ** 2;
    expect(Math.abs(a - b) / b).toBeLessThan(1e-12);
    expect(mult).toBe(5000);
  });
});

describe('dmft vs simulation (32 seeds; 1024 at B = 8; projected model, N = 256, M = 1024, T = 100)', () => {
  const cases: { beta: number; gamma: number; batch: number }[] = [
    { beta: 0.5, gamma: 0, batch: Infinity }, { beta: 0.5, gamma: 0.5, batch: Infinity }, { beta: 0.5, gamma: 2, batch: Infinity },
    { beta: 1.2, gamma: 0, batch: Infinity }, { beta: 1.2, gamma: 0.5, batch: Infinity }, { beta: 1.2, gamma: 2, batch: Infinity },
    { beta: 0.5, gamma: 0, batch: 8 }, { beta: 1.2, gamma: 0, batch: 8 },
  ];
  for (const c of cases) {
    it(`β = ${c.beta}, γ = ${c.gamma}, B = ${c.batch}: within max(2 SE, 2%) at every step after the first five`, async () => {
      const T = 100, N = 256, M = 1024, eta = 0.25;
      const theory = await solveDmft({ alpha: 2, beta: c.beta, M, N, gamma: c.gamma, eta, batch: c.batch, steps: T, modeBins: 128 });
      const sim = await runSweep({
        alpha: 2, beta: c.beta, M, N: [N], gamma: [c.gamma], eta, batch: c.batch, data: Infinity, model: 'projected',
        sampler: 'exact', init: 'gaussian', steps: T, record: 'all', recordPoints: 2,
        seeds: Number.isFinite(c.batch) ? 1024 : 32, seed: 7, perSeed: false, // B = 8: ~1.5% bias, skewed; docs §5
      }, { threads: 2 });
      const run = sim.runs[0]!;
      for (let t = 6; t <= T; t++) {
        const d = theory.loss[t]!, m = run.loss.mean[t]!, se = run.loss.stderr[t]!;
        expect(Math.abs(d - m), `t = ${t}: dmft ${d}, sim ${m} ± ${se}`).toBeLessThanOrEqual(Math.max(2 * se, 0.02 * m));
      }
    }, 120_000);
  }
});
