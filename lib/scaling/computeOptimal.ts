/**
 * Compute-optimal allocation of C = N·t (SPEC 4.5): each regime balances the two loss terms that cross as t → ∞,
 * N* ∝ C^a, t* ∝ C^{1-a}, L* ∝ C^{-b}.
 */
import { timeExponent, type Dynamics } from './exponents.js';
import { classifyTask, type Regime } from './regimes.js';

export interface ComputeOptimal {
  regime: Regime;
  dynamics: Dynamics;
  /** Which terms of SPEC 4.3 are balanced. */
  balance: string;
  /** N* ∝ C^{modelExponent}. */
  modelExponent: number;
  /** t* ∝ C^{timeExponent}; modelExponent + timeExponent = 1. */
  timeExponent: number;
  /** L* ∝ C^{-lossExponent}. */
  lossExponent: number;
}

export function computeOptimal(alpha: number, beta: number, dynamics: Dynamics): ComputeOptimal {
  const regime = classifyTask(alpha, beta);
  if (regime === 'hard') {
    // t^-χ = N^-αβ with t = C/N  ⇒  N* = C^{χ/(χ+αβ)}, L* = C^{-αβχ/(χ+αβ)}.
    const chi = timeExponent(beta, dynamics);
    const a = chi / (chi + alpha * beta);
    return {
      regime, dynamics, balance: dynamics === 'lazy' ? 't^-β vs N^-αβ' : 't^-2β/(1+β) vs N^-αβ',
      modelExponent: a, timeExponent: 1 - a, lossExponent: (alpha * beta * chi) / (chi + alpha * beta),
    };
  }
  if (regime === 'easy') {
    // t^-β = (1/N) t^-(1-1/α)  ⇒  N = t^{β-1+1/α}, C = t^{β+1/α}.
    const a = (alpha * beta - alpha + 1) / (alpha * beta + 1);
    return {
      regime, dynamics, balance: 't^-β vs (1/N) t^-(1-1/α)',
      modelExponent: a, timeExponent: 1 - a, lossExponent: (alpha * beta) / (alpha * beta + 1),
    };
  }
  // (η/B) t^-(2-1/α) = (1/N) t^-(1-1/α)  ⇒  N = t, L* = C^{-(1-1/(2α))}.
  return {
    regime, dynamics, balance: '(η/B) t^-(2-1/α) vs (1/N) t^-(1-1/α)',
    modelExponent: 0.5, timeExponent: 0.5, lossExponent: 1 - 1 / (2 * alpha),
  };
}

/** Rich/lazy ratio of the compute exponents for hard tasks: 2(1+α)/(2+α+αβ) (SPEC 4.5, "nearly doubling"). */
export function hardComputeGain(alpha: number, beta: number): number {
  return (2 * (1 + alpha)) / (2 + alpha + alpha * beta);
}
