/**
 * Seeded RNG shared bit-for-bit with native/common/rng.h: xoshiro128** with a documented seeding,
 * 53-bit uniforms and Marsaglia polar normals (docs/algorithm.md section 1).
 */

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export interface RngState {
  s: [number, number, number, number];
  hasSpare: boolean;
  spare: number;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private hasSpare = false;
  private spare = 0;

  constructor(seed: number, stream: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53) {
      throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
    }
    if (!Number.isInteger(stream) || stream < 0 || stream >= 2 ** 32) {
      throw new RangeError(`stream must be an integer in [0, 2^32), got ${stream}`);
    }
    const lo = seed % 4294967296;
    const hi = Math.floor(seed / 4294967296);
    const words: number[] = [];
    const streamMix = fmix32((hi ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0);
    for (let i = 0; i < 4; i++) {
      const a = fmix32((lo ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
      words.push(fmix32((a + streamMix + i) >>> 0));
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with the given raw state (for known-answer tests and checkpoints). */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0, 0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.s.map((x) => x >>> 0) as [number, number, number, number];
    rng.hasSpare = state.hasSpare;
    rng.spare = state.spare;
    return rng;
  }

  /** Next 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal by Marsaglia's polar method (one cached spare). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], hasSpare: this.hasSpare, spare: this.spare };
  }
}
