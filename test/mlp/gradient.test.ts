// Gradient checks (issue 7): native backward vs central finite differences of the native loss vs the pure-TS twin.
import { describe, expect, it } from 'vitest';
import { nativeMlp, paramCount } from '../../lib/mlp/bindings.js';
import { referenceInitParams, referenceLossGrad } from '../../lib/reference/mlp.js';
import { Rng } from '../../lib/rng.js';

function setup(width: number, depth: number, B: number, gamma0: number) {
  const shape = { width, depth };
  const params0 = nativeMlp.init({ ...shape, seed: 7, stream: 2 });
  const rng = new Rng(99, 0);
  // Move away from the initialisation so f ≠ 0 and every layer's gradient is generic.
  const params = params0.map((p) => p + 0.3 * rng.normal());
  const theta = Float64Array.from({ length: B }, () => 2 * Math.PI * rng.uniform());
  const y = Float64Array.from({ length: B }, () => rng.normal());
  return { shape, params0, params, theta, y, gamma0 };
}

describe('mlp gradient', () => {
  for (const [width, depth, gamma0] of [[6, 2, 1], [5, 3, 0.3], [4, 1, 2]] as const) {
    it(`native gradient = central finite differences = pure TS (width ${width}, depth ${depth}, γ0 ${gamma0})`, () => {
      const s = setup(width, depth, 5, gamma0);
      const args = { ...s.shape, gamma0, params0: s.params0, theta: s.theta, y: s.y };
      const nat = nativeMlp.lossGrad({ ...args, params: s.params });
      const ref = referenceLossGrad(s.shape, gamma0, s.params, s.params0, s.theta, s.y);
      expect(nat.grad.length).toBe(paramCount(s.shape));
      const scale = Math.max(...Array.from(nat.grad, Math.abs));
      expect(scale).toBeGreaterThan(0);
      expect(Math.abs(nat.loss - ref.loss) / ref.loss).toBeLessThan(1e-12);
      const h = 1e-6;
      let maxFd = 0;
      let maxRef = 0;
      for (let i = 0; i < s.params.length; i++) {
        const p = s.params.slice();
        p[i]! += h;
        const up = nativeMlp.lossGrad({ ...args, params: p }).loss;
        p[i]! -= 2 * h;
        const down = nativeMlp.lossGrad({ ...args, params: p }).loss;
        const fd = (up - down) / (2 * h);
        maxFd = Math.max(maxFd, Math.abs(fd - nat.grad[i]!) / scale);
        maxRef = Math.max(maxRef, Math.abs(ref.grad[i]! - nat.grad[i]!) / scale);
      }
      expect(maxFd).toBeLessThan(1e-6);
      expect(maxRef).toBeLessThan(1e-12);
    });
  }

  it('the initialisation is the same random stream in C++ and TS, and the centred output is 0 there', () => {
    const shape = { width: 7, depth: 2 };
    const nat = nativeMlp.init({ ...shape, seed: 3, stream: 5 });
    const { params } = referenceInitParams(shape, 3, 5);
    expect(Array.from(nat)).toEqual(Array.from(params));
    const r = nativeMlp.lossGrad({ ...shape, gamma0: 0.01, params: nat, params0: nat, theta: new Float64Array([0.1, 2, 4]), y: new Float64Array(3) });
    expect(Array.from(r.f)).toEqual([0, 0, 0]);
  });

  it('rejects bad arguments at the N-API boundary with one-line errors', () => {
    const p = nativeMlp.init({ width: 4, depth: 2, seed: 1, stream: 0 });
    const base = { width: 4, depth: 2, gamma0: 1, params: p, params0: p, theta: new Float64Array([1]), y: new Float64Array([0]) };
    expect(() => nativeMlp.lossGrad({ ...base, width: 0 })).toThrow(/mlpLossGrad: width must be an integer in \[1, 65536\], got 0/);
    expect(() => nativeMlp.lossGrad({ ...base, gamma0: 0 })).toThrow(/gamma0 must be a finite number > 0/);
    expect(() => nativeMlp.lossGrad({ ...base, params: new Float64Array(3) })).toThrow(/params must be a Float64Array of length/);
    expect(() => nativeMlp.lossGrad({ ...base, y: new Float64Array([NaN]) })).toThrow(/y must be a Float64Array of length 1|y\[0\] must be finite/);
    expect(() => nativeMlp.init({ width: 4, depth: 0, seed: 1, stream: 0 })).toThrow(/depth must be an integer in \[1, 16\]/);
  });
});
