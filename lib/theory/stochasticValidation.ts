/**
 * Reproduces the validation table of docs/theory-stochastic.md: the N = ∞ stochastic DMFT (SPEC 3.2) against
 * seed-averaged simulations of the projected model (SPEC 2.1) at finite N and B, γ > 0.
 *
 * For each (γ, B, N):
 *  - simulation: runSweep, `seeds` seeds, every step recorded, exact batch sampler, M = mPerN·N modes;
 *  - theory: solveStochasticDmft with the same task (same M), `realisations` realisations;
 *  - finite-N shift ΔN(t) = L_sim(N, B = ∞) − L_map(N = ∞, B = ∞), measured from `infSeeds` B = ∞ simulations
 *    and the deterministic N = B = ∞ unit-step map (the TS twin with batch = ∞). This stands in for
 *    L_DMFT(N, ∞) − L_DMFT(∞, ∞) until the B = ∞ finite-N DMFT (lib/theory/dmft.ts) is available;
 *  - ΔN_DMFT(t) = L_DMFT(N, ∞) − L_DMFT(∞, ∞) from the B = ∞ finite-N DMFT (dmftFiniteNCorrection, solveDmft),
 *    the correction SPEC 3.2 prescribes (option `dmft`, default true);
 *  - t_N: the first step at which |ΔN_DMFT(t)| (or, without the DMFT, the measured |ΔN(t)|) exceeds 2 combined
 *    standard errors: where the finite-N term "takes over";
 *  - deviations z(t) = (theory − sim)/√(SE_sim² + SE_th² [+ SE_ΔN²]) for the plain N = ∞ theory, for
 *    theory + ΔN_DMFT and for theory + measured ΔN: worst |z| over 1 ≤ t ≤ t_N and over t_N < t ≤ T, and the first
 *    step where |z| > 2.
 */
import { runSweep, type ResolvedSimulateConfig } from '../simulate/sweep.js';
import { makeTask } from '../task.js';
import { referenceStochasticRealisations } from '../reference/theory/stochasticDmft.js';
import { dmftFiniteNCorrection, solveStochasticDmft } from './stochasticDmft.js';

export interface StochasticValidationOptions {
  alpha?: number; beta?: number; eta?: number; steps?: number;
  gammas?: number[]; batches?: number[]; Ns?: number[];
  mPerN?: number; seeds?: number; infSeeds?: number; realisations?: number;
  threads?: number; seed?: number;
  /** Also compute the DMFT finite-N correction (two solveDmft runs per (γ, N)); default true. */
  dmft?: boolean;
  log?: (line: string) => void;
}

export interface StochasticValidationRow {
  gamma: number; batch: number; N: number; M: number;
  /** First step where |ΔN| > 2 SE (T + 1 if never). */
  tN: number;
  /** Worst |z| of the plain N = ∞ theory up to t_N and after it. */
  worstBefore: number; worstAfter: number;
  /** First step where the plain theory is > 2 SE off (T + 1 if never). */
  firstOver2: number;
  /** Fraction of the steps 1 ≤ t ≤ t_N at which the plain theory is > 2 SE off (≈ 0.05 if consistent). */
  fracOver2Before: number;
  /** The same with the measured finite-N shift added (SPEC 3.2 "Finite N and finite B together"). */
  worstCorrected: number; firstOver2Corrected: number;
  /** Theory + ΔN_DMFT: worst |z| up to t_N, after it, and the first step where |z| > 2 (NaN / T + 1 without DMFT). */
  worstDmftBefore: number; worstDmftAfter: number; firstOver2Dmft: number;
  /** ΔN_DMFT(T) / L_sim(T) and the relative deviation at T of theory + ΔN_DMFT. */
  dmftShiftEnd: number; relEndDmft: number;
  /** Relative deviation (theory − sim)/sim at t = T, plain and corrected. */
  relEndPlain: number; relEndCorrected: number;
  divergedRealisations: number;
  secondsSim: number; secondsTheory: number;
}

function simConfig(base: Omit<ResolvedSimulateConfig, 'N' | 'gamma' | 'batch' | 'seeds'>, N: number, gamma: number,
  batch: number, seeds: number): ResolvedSimulateConfig {
  return { ...base, N: [N], gamma: [gamma], batch, seeds };
}

export async function stochasticValidationTable(o: StochasticValidationOptions = {}): Promise<StochasticValidationRow[]> {
  const alpha = o.alpha ?? 2, beta = o.beta ?? 0.5, eta = o.eta ?? 0.25, T = o.steps ?? 150;
  const gammas = o.gammas ?? [0.5, 1], batches = o.batches ?? [16, 64], Ns = o.Ns ?? [256, 1024];
  const mPerN = o.mPerN ?? 4, seeds = o.seeds ?? 32, infSeeds = o.infSeeds ?? 8, R = o.realisations ?? 256;
  const threads = o.threads ?? 2, seed = o.seed ?? 1;
  const log = o.log ?? ((): void => undefined);
  const rows: StochasticValidationRow[] = [];
  for (const N of Ns) {
    const M = mPerN * N;
    const task = makeTask(alpha, beta, M);
    const base = {
      alpha, beta, M, eta, data: Infinity, model: 'projected' as const, sampler: 'exact' as const,
      init: 'gaussian' as const, steps: T, record: 'all' as const, recordPoints: 2, seed, perSeed: false,
    };
    for (const gamma of gammas) {
      // Finite-N shift at B = ∞: simulation minus the deterministic N = B = ∞ map.
      const inf = (await runSweep(simConfig(base, N, gamma, Infinity, infSeeds), { threads })).runs[0]!;
      const det = referenceStochasticRealisations({
        M, gamma, eta, batch: Infinity, steps: T, lambda: task.lambda, wstar: task.wstar, seed: 0, streamStart: 0,
        count: 1, representation: 'implicit', divergenceFactor: 1e4,
      }).loss;
      const dN = new Float64Array(T + 1);
      const dNse = new Float64Array(T + 1);
      for (let t = 0; t <= T; t++) {
        dN[t] = inf.loss.mean[t]! - det[t]!;
        dNse[t] = inf.loss.stderr[t]!;
      }
      let dD: Float64Array | null = null;
      if (o.dmft ?? true) {
        const td = performance.now();
        dD = await dmftFiniteNCorrection({ alpha, beta, M, gamma, eta, steps: T, N });
        log(`# γ = ${gamma}, N = ${N}: DMFT finite-N correction in ${((performance.now() - td) / 1000).toFixed(1)} s`);
      }
      for (const batch of batches) {
        const t0 = performance.now();
        const sim = (await runSweep(simConfig(base, N, gamma, batch, seeds), { threads })).runs[0]!;
        const t1 = performance.now();
        const th = await solveStochasticDmft(
          { alpha, beta, M, gamma, eta, batch, steps: T, realisations: R, seed: seed + 1000 }, { threads });
        const t2 = performance.now();
        let tN = T + 1;
        let worstBefore = 0, worstAfter = 0, firstOver2 = T + 1, worstCorrected = 0, firstOver2Corrected = T + 1;
        let over2Before = 0, stepsBefore = 0;
        let worstDmftBefore = dD ? 0 : NaN, worstDmftAfter = dD ? 0 : NaN, firstOver2Dmft = T + 1;
        for (let t = 1; t <= T; t++) {
          const se2 = sim.loss.stderr[t]! ** 2 + th.lossStderr![t]! ** 2;
          const shift = dD ? Math.abs(dD[t]!) : Math.abs(dN[t]!);
          if (tN > T && shift > 2 * Math.sqrt(se2 + (dD ? 0 : dNse[t]! ** 2))) tN = t;
          if (dD) {
            const zd = Math.abs(th.loss[t]! + dD[t]! - sim.loss.mean[t]!) / Math.sqrt(se2);
            if (t <= tN) worstDmftBefore = Math.max(worstDmftBefore, zd);
            else worstDmftAfter = Math.max(worstDmftAfter, zd);
            if (zd > 2 && firstOver2Dmft > T) firstOver2Dmft = t;
          }
          const z = Math.abs(th.loss[t]! - sim.loss.mean[t]!) / Math.sqrt(se2);
          const zc = Math.abs(th.loss[t]! + dN[t]! - sim.loss.mean[t]!) / Math.sqrt(se2 + dNse[t]! ** 2);
          if (t <= tN) worstBefore = Math.max(worstBefore, z);
          if (t <= tN) { stepsBefore++; if (z > 2) over2Before++; }
          else worstAfter = Math.max(worstAfter, z);
          if (z > 2 && firstOver2 > T) firstOver2 = t;
          if (zc > 2 && firstOver2Corrected > T) firstOver2Corrected = t;
          worstCorrected = Math.max(worstCorrected, zc);
        }
        const simEnd = sim.loss.mean[T]!;
        const row: StochasticValidationRow = {
          gamma, batch, N, M, tN, worstBefore, worstAfter, firstOver2, fracOver2Before: over2Before / Math.max(1, stepsBefore), worstCorrected, firstOver2Corrected,
          worstDmftBefore, worstDmftAfter, firstOver2Dmft,
          dmftShiftEnd: dD ? dD[T]! / simEnd : NaN, relEndDmft: dD ? (th.loss[T]! + dD[T]! - simEnd) / simEnd : NaN,
          relEndPlain: (th.loss[T]! - simEnd) / simEnd, relEndCorrected: (th.loss[T]! + dN[T]! - simEnd) / simEnd,
          divergedRealisations: Number(th.diagnostics.diverged),
          secondsSim: (t1 - t0) / 1000, secondsTheory: (t2 - t1) / 1000,
        };
        log(formatValidationRow(row));
        rows.push(row);
      }
    }
  }
  return rows;
}

export const VALIDATION_HEADER =
  '| γ | B | N | M | t_N | plain: worst z ≤ t_N / > t_N, first z>2 | plain: fraction of t ≤ t_N with z>2 | +ΔN_DMFT: worst z ≤ t_N / > t_N, first z>2 | +ΔN_meas: worst z, first z>2 | ΔN_DMFT(T)/L | rel. dev. at T: plain / +ΔN_DMFT / +ΔN_meas | diverged | sim s | theory s |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';

export function formatValidationRow(r: StochasticValidationRow): string {
  const f = (x: number): string => x.toFixed(2);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return `| ${r.gamma} | ${r.batch} | ${r.N} | ${r.M} | ${r.tN} | ${f(r.worstBefore)} / ${f(r.worstAfter)}, ${r.firstOver2} | ${f(r.fracOver2Before)} | ` +
    `${f(r.worstDmftBefore)} / ${f(r.worstDmftAfter)}, ${r.firstOver2Dmft} | ${f(r.worstCorrected)}, ${r.firstOver2Corrected} | ` +
    `${pct(r.dmftShiftEnd)} | ${pct(r.relEndPlain)} / ${pct(r.relEndDmft)} / ${pct(r.relEndCorrected)} | ` +
    `${r.divergedRealisations} | ${r.secondsSim.toFixed(1)} | ${r.secondsTheory.toFixed(1)} |`;
}
