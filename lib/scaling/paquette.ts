/**
 * Map to Paquette et al.'s power-law random-feature model and its phases at γ = 0 (SPEC 4.6):
 * α = 2α_P, β = (2α_P + 2β_P - 1)/(2α_P).
 */
export type PaquettePhase = 'I' | 'II' | 'III';

export interface PaquetteMapping {
  alphaP: number;
  betaP: number;
  phase: PaquettePhase;
  /** d* ∝ f^{modelExponent}, P* ∝ f^{-lossExponent} in Paquette's notation (flops f = r·d). */
  modelExponent: number;
  lossExponent: number;
}

export function toPaquette(alpha: number, beta: number): PaquetteMapping {
  const alphaP = alpha / 2;
  const betaP = (alpha * beta - alpha + 1) / 2;
  if (2 * betaP < 1) {
    return { alphaP, betaP, phase: 'I', modelExponent: 1 / (2 * alphaP + 1),
      lossExponent: (2 * alphaP + 2 * betaP - 1) / (2 * alphaP + 1) };
  }
  if (betaP < alphaP) {
    return { alphaP, betaP, phase: 'II', modelExponent: betaP / (alphaP + betaP),
      lossExponent: (2 * alphaP + 2 * betaP - 1) / (2 * (alphaP + betaP)) };
  }
  return { alphaP, betaP, phase: 'III', modelExponent: 0.5, lossExponent: 1 - 1 / (4 * alphaP) };
}

export function fromPaquette(alphaP: number, betaP: number): { alpha: number; beta: number } {
  return { alpha: 2 * alphaP, beta: (2 * alphaP + 2 * betaP - 1) / (2 * alphaP) };
}
