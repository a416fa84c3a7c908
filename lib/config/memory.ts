/**
 * Memory check of a `simulate` sweep, before it runs: an estimate of the bytes its concurrent seed jobs and its
 * stored curves need, refused above a limit (`--max-memory`, default 80% of the machine's RAM) with one line
 * stating the estimate, the limit and what to reduce. Other commands that run sweeps can reuse it.
 *
 * Per seed job (8-byte doubles; native kernel and pure-TS reference, docs/algorithm.md):
 *   N·M        A(0)
 *   N·N        G (projected model with γ > 0)
 *   N·M        A (unprojected model: the reference keeps A(0) and A)
 *   B·M        the batch Ψ of the explicit sampler (online data, finite B)
 *   P·M        the data matrix X (finite data)
 *   points     the recorded losses (×2 with finite data: train loss too)
 * plus O(M + N + P) vectors and JOB_OVERHEAD_BYTES. Jobs run `concurrentSeedJobs` at a time (the rule of
 * runSweep); every seed's curve is kept until the outputs are written (stored losses), and the process itself
 * needs PROCESS_OVERHEAD_BYTES.
 */
import { totalmem } from 'node:os';
import type { ResolvedSimulateConfig } from '../simulate/sweep.js';
import { ConfigError } from './errors.js';

export const JOB_OVERHEAD_BYTES = 1 << 20;
export const PROCESS_OVERHEAD_BYTES = 64 << 20;
/** Default --max-memory: this fraction of os.totalmem(). */
export const DEFAULT_MEMORY_FRACTION = 0.8;

type SizeKeys = 'M' | 'N' | 'gamma' | 'model' | 'sampler' | 'batch' | 'data' | 'steps' | 'record' | 'recordPoints' | 'seeds';
export type MemoryConfig = Pick<ResolvedSimulateConfig, SizeKeys>;

/** Number of recorded steps of one seed (step 0 included). */
export function recordedPoints(c: Pick<ResolvedSimulateConfig, 'steps' | 'record' | 'recordPoints'>): number {
  return c.record === 'all' ? c.steps + 1 : Math.min(c.recordPoints, c.steps) + 1;
}

/** The float64 elements of one seed job, by what holds them. */
export interface SeedJobElements {
  A0: number;
  G: number;
  A: number;
  batch: number;
  data: number;
  recorded: number;
  vectors: number;
}

export function seedJobElements(c: MemoryConfig, N: number, gamma: number): SeedJobElements {
  const finiteData = Number.isFinite(c.data);
  const points = recordedPoints(c);
  return {
    A0: N * c.M,
    G: c.model === 'projected' && gamma > 0 ? N * N : 0,
    A: c.model === 'unprojected' ? N * c.M : 0,
    batch: c.sampler === 'explicit' && Number.isFinite(c.batch) && !finiteData ? c.batch * c.M : 0,
    data: finiteData ? c.data * c.M : 0,
    recorded: points * (finiteData ? 2 : 1),
    // λ, w*, √λ, v, ĝ, β, ξ and their copies (M); w, b, z, Δw (N); scratch (P or B); sampler 'span': K, Q and the
    // eigensolver's workspace during the set-up (about 4N², docs/algorithm.md section 5b).
    vectors: 8 * c.M + 4 * N + (finiteData ? c.data : Number.isFinite(c.batch) ? c.batch : 0) +
      (c.sampler === 'span' ? 4 * (N + 1) * (N + 1) : 0),
  };
}

export function seedJobBytes(c: MemoryConfig, N: number, gamma: number): number {
  const e = seedJobElements(c, N, gamma);
  return 8 * (e.A0 + e.G + e.A + e.batch + e.data + e.recorded + e.vectors) + JOB_OVERHEAD_BYTES;
}

/**
 * How many seed jobs run at once with `threads` threads: the rule of runSweep (lib/simulate/sweep.ts) — with at
 * least `threads` jobs, `threads` at a time (one BLAS thread each), else one at a time (all threads to BLAS). Never
 * more than the number of jobs.
 */
export function concurrentSeedJobs(c: Pick<ResolvedSimulateConfig, 'N' | 'gamma' | 'seeds'>, threads: number): number {
  const jobs = c.N.length * c.gamma.length * c.seeds;
  const t = Math.max(1, Math.floor(threads));
  return jobs >= t && t > 1 ? Math.min(t, jobs) : 1;
}

export interface MemoryEstimate {
  /** Total estimate in bytes. */
  bytes: number;
  concurrentJobs: number;
  /** Bytes of the largest seed job, and its (N, γ). */
  largestJobBytes: number;
  largest: { N: number; gamma: number; elements: SeedJobElements };
  /** Bytes of the concurrent jobs together (the largest ones). */
  jobsBytes: number;
  /** Every seed's recorded curve, kept until the outputs are written. */
  storedBytes: number;
}

export function estimateMemory(c: MemoryConfig, threads: number): MemoryEstimate {
  const concurrentJobs = concurrentSeedJobs(c, threads);
  const runs = c.N.flatMap((N) => c.gamma.map((gamma) => ({ N, gamma, bytes: seedJobBytes(c, N, gamma) })));
  runs.sort((a, b) => b.bytes - a.bytes);
  const largest = runs[0]!;
  // The `concurrentJobs` largest jobs (each run has `seeds` jobs of the same size).
  let jobsBytes = 0;
  let left = concurrentJobs;
  for (const r of runs) {
    const k = Math.min(left, c.seeds);
    jobsBytes += k * r.bytes;
    left -= k;
    if (left === 0) break;
  }
  const storedBytes = 8 * recordedPoints(c) * (Number.isFinite(c.data) ? 2 : 1) * c.seeds * runs.length;
  return {
    bytes: jobsBytes + storedBytes + PROCESS_OVERHEAD_BYTES,
    concurrentJobs,
    largestJobBytes: largest.bytes,
    largest: { N: largest.N, gamma: largest.gamma, elements: seedJobElements(c, largest.N, largest.gamma) },
    jobsBytes,
    storedBytes,
  };
}

/** 1.23 GB, 456 MB, 12.3 kB (decimal units). */
export function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return String(b);
  if (b >= 1e12) return `${(b / 1e12).toPrecision(3)} TB`;
  if (b >= 1e9) return `${(b / 1e9).toPrecision(3)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toPrecision(3)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toPrecision(3)} kB`;
  return `${Math.round(b)} B`;
}

export function defaultMaxMemory(total: number = totalmem()): number {
  return Math.floor(DEFAULT_MEMORY_FRACTION * total);
}

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40,
};

/**
 * `--max-memory` value: bytes ('4e9'), with a unit ('8G', '8GB' = 8e9; '8GiB', '8Gi' = 8·2^30; k, M, T alike),
 * or a percentage of the machine's RAM ('50%').
 */
export function parseMemorySize(text: string | number, total: number = totalmem()): number {
  const t = String(text).trim();
  const m = /^([+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]*|%)$/i.exec(t);
  const unit = m?.[2]?.toLowerCase();
  const value = m ? Number(m[1]) : NaN;
  const bytes = unit === '%' ? (value / 100) * total : unit !== undefined && Object.hasOwn(UNITS, unit) ? value * UNITS[unit]! : NaN;
  if (!(Number.isFinite(bytes) && bytes > 0)) {
    throw new ConfigError(
      `config: max-memory = '${t}' is not valid: must be a size > 0 in bytes, with a unit (e.g. 8G, 512MB, 4GiB) ` +
        `or a percentage of the RAM (e.g. 50%)`,
    );
  }
  return bytes;
}

export interface MemoryLimit {
  threads: number;
  /** Limit in bytes; default defaultMaxMemory(). */
  maxMemory?: number;
  /** Name of the flag in messages (default '--max-memory'). */
  flag?: string;
}

/** The largest part of the estimate, phrased as what to reduce. */
function advice(est: MemoryEstimate, threads: number): string {
  const e = est.largest.elements;
  const k = 8 * est.concurrentJobs;
  const parts: Array<[number, string]> = [
    [k * (e.A0 + e.A), 'N or M'],
    [k * e.G, 'N (G is N×N when gamma > 0)'],
    [k * e.batch, "batch (or use sampler = 'exact')"],
    [k * e.data, 'data (P) or M'],
    [k * e.recorded + est.storedBytes, "seeds or steps, or use record = 'log'"],
  ];
  parts.sort((a, b) => b[0] - a[0]);
  const what = [`reduce ${parts[0]![1]}`];
  if (est.concurrentJobs > 1) what.push(`use fewer --threads (${threads} seed jobs run at once)`);
  what.push('or raise --max-memory');
  return what.join(', ');
}

/** One line per problem (none or one): the estimate exceeds the limit. */
export function memoryProblems(c: MemoryConfig, limit: MemoryLimit): string[] {
  const max = limit.maxMemory ?? defaultMaxMemory();
  const est = estimateMemory(c, limit.threads);
  if (est.bytes <= max) return [];
  const flag = limit.flag ?? '--max-memory';
  const limitText =
    limit.maxMemory === undefined
      ? `the limit of ${formatBytes(max)} (${flag}; default ${Math.round(DEFAULT_MEMORY_FRACTION * 100)}% of ${formatBytes(totalmem())} RAM)`
      : `${flag} ${formatBytes(max)}`;
  const jobs =
    est.concurrentJobs > 1
      ? `${est.concurrentJobs} concurrent seed jobs, up to ${formatBytes(est.largestJobBytes)} each`
      : `1 seed job at a time, ${formatBytes(est.largestJobBytes)}`;
  return [
    `config: this run needs about ${formatBytes(est.bytes)} of memory (${jobs} at N = ${est.largest.N}, ` +
      `M = ${c.M}, gamma = ${est.largest.gamma}; ${formatBytes(est.storedBytes)} of recorded losses), more than ` +
      `${limitText}: ${advice(est, limit.threads)}`,
  ];
}

/** Throws a ConfigError (one line) when the run would need more memory than allowed. */
export function checkMemory(c: MemoryConfig, limit: MemoryLimit): MemoryEstimate {
  const problems = memoryProblems(c, limit);
  if (problems.length > 0) throw new ConfigError(problems);
  return estimateMemory(c, limit.threads);
}
