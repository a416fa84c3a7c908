/** Scaling exponents of SPEC 4.1–4.3. Pure functions of (α, β); "rich" means γ > 0 and t ≫ t_× (SPEC 4.7). */

export type Dynamics = 'lazy' | 'rich';

/** Time exponent χ(β) of L ~ t^-χ (SPEC 4.1, eq. 10): lazy β; rich β·max{1, 2/(1+β)}. */
export function timeExponent(beta: number, dynamics: Dynamics): number {
  return dynamics === 'lazy' ? beta : beta * Math.max(1, 2 / (1 + beta));
}

/** Model-size exponent of the t → ∞ plateau L ~ N^{-α min(2, β)}, the same lazy and rich (SPEC 4.2). */
export function modelSizeExponent(alpha: number, beta: number): number {
  return alpha * Math.min(2, beta);
}

/** Effective-time factor χ/β: rich dynamics reparameterise time as t_eff ~ t^{χ/β} (SPEC 4.3). */
export function timeReparameterisation(beta: number, dynamics: Dynamics): number {
  return timeExponent(beta, dynamics) / beta;
}

/** The four terms of SPEC 4.3 (constants dropped), and their exponents. */
export interface LossTerms {
  /** t^-χ: limiting gradient flow. */
  gradientFlow: number;
  /** N^{-α min(2,β)}: model bottleneck. */
  modelBottleneck: number;
  /** (1/N) t^{-(1-1/α)χ/β}: finite-N transient (Paquette's F_ac). */
  finiteNTransient: number;
  /** (η/B) t^{-(2-1/α)χ/β}: SGD transient (Paquette's K_pp). */
  sgdTransient: number;
  total: number;
}

export interface LossTermInput {
  alpha: number; beta: number; dynamics: Dynamics;
  t: number; N: number; eta: number; batch: number;
}

/** L(t, N, B, γ) ≈ t^-χ + N^{-α min(2,β)} + (1/N) t^{-(1-1/α)χ/β} + (η/B) t^{-(2-1/α)χ/β} (SPEC 4.3). */
export function fourTermLoss(p: LossTermInput): LossTerms {
  const chi = timeExponent(p.beta, p.dynamics);
  const r = chi / p.beta;
  const gradientFlow = Math.pow(p.t, -chi);
  const modelBottleneck = Math.pow(p.N, -modelSizeExponent(p.alpha, p.beta));
  const finiteNTransient = Math.pow(p.t, -(1 - 1 / p.alpha) * r) / p.N;
  const sgdTransient = Number.isFinite(p.batch) ? (p.eta / p.batch) * Math.pow(p.t, -(2 - 1 / p.alpha) * r) : 0;
  return {
    gradientFlow, modelBottleneck, finiteNTransient, sgdTransient,
    total: gradientFlow + modelBottleneck + finiteNTransient + sgdTransient,
  };
}
