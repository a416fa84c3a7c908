/**
 * Recording and the divergence check shared by the pure-TS simulator drivers (docs/algorithm.md section 6): the
 * loss at each record step, and a stop when it is not finite or exceeds DIVERGENCE_FACTOR·L(0).
 */
import { DIVERGENCE_FACTOR } from '../simulate/types.js';

export class LossRecord {
  readonly loss: number[] = [];
  diverged = false;
  divergedAt = -1;
  private next = 0;
  private L0 = NaN;

  constructor(private readonly recordSteps: Float64Array) {}

  /** Whether step t is a record step (call before observe(t, …) to record extras for it). */
  isRecordStep(t: number): boolean {
    return this.next < this.recordSteps.length && this.recordSteps[this.next] === t;
  }

  /** Records L(t) when t is a record step; returns false (and marks the run diverged) when the run must stop. */
  observe(t: number, L: number): boolean {
    if (t === 0) this.L0 = L;
    if (this.isRecordStep(t)) {
      this.loss.push(L);
      this.next++;
    }
    if (!Number.isFinite(L) || L > DIVERGENCE_FACTOR * this.L0) {
      this.diverged = true;
      this.divergedAt = t;
      return false;
    }
    return true;
  }
}
