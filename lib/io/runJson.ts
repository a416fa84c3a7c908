/**
 * run.json: everything needed to reproduce and audit a `simulate` run — the resolved config (Infinity as
 * "inf"), versions, backend and BLAS, threading, timings, FLOPs, compute C = N·t, the command line, the
 * timestamps and the files written.
 */
import { availableParallelism } from 'node:os';
import type { ResolvedSimulateConfig, SeedStats, SweepResult } from '../simulate/sweep.js';
import { atomicWrite } from './atomicWrite.js';
import { richscaleVersion } from './version.js';

export interface RunMeta {
  /** Arguments after the program name (process.argv.slice(2)). */
  argv: readonly string[];
  startedAt: Date;
  endedAt: Date;
  /** Threads requested (--threads). */
  threads: number;
  preset?: string;
  configFile?: string;
  /** Files written into the output directory (names relative to it). */
  files: readonly string[];
}

/** JSON-safe number: non-finite values become "inf", "-inf", "nan". */
export function jsonNumber(x: number): number | string {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** Deep copy with non-finite numbers as strings and typed arrays as plain arrays. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number') return jsonNumber(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as Float64Array, jsonNumber);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  }
  return v;
}

/** The config as written to run.json (and accepted back by --config: "inf" parses as Infinity). */
export function configToJson(config: ResolvedSimulateConfig): Record<string, unknown> {
  return jsonSafe(config) as Record<string, unknown>;
}

/** POSIX-shell quoting for the recorded command line. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-+=.,:/@%^]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

type Final = { mean: number | string; std: number | string | null; stderr: number | string | null };

/** Final mean, std and stderr; std and stderr are null without a spread (a single seed). */
function last(stats: SeedStats | null, spread: boolean): Final | null {
  if (stats === null || stats.mean.length === 0) return null;
  const i = stats.mean.length - 1;
  return {
    mean: jsonNumber(stats.mean[i]!),
    std: spread ? jsonNumber(stats.std[i]!) : null,
    stderr: spread ? jsonNumber(stats.stderr[i]!) : null,
  };
}

export function buildRunJson(result: SweepResult, meta: RunMeta): Record<string, unknown> {
  const c = result.config;
  return {
    richscale: richscaleVersion(),
    command: ['richscale', ...meta.argv].map(shellQuote).join(' '),
    argv: [...meta.argv],
    startedAt: meta.startedAt.toISOString(),
    endedAt: meta.endedAt.toISOString(),
    wallSeconds: (meta.endedAt.getTime() - meta.startedAt.getTime()) / 1000,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    backend: result.backend,
    blas: result.blas,
    threads: meta.threads,
    concurrency: result.concurrency,
    preset: meta.preset ?? null,
    configFile: meta.configFile ?? null,
    config: configToJson(c),
    seeds: { seed: c.seed, count: c.seeds, streams: `0..${c.seeds - 1}` },
    truncationFloor: jsonNumber(result.truncationFloor),
    initialLoss: jsonNumber(result.initialLoss),
    flops: result.flops,
    seconds: result.seconds,
    computeConvention: 'C = N·t (SPEC 4.5): hidden width times SGD steps',
    runs: result.runs.map((r) => ({
      gamma: r.gamma,
      N: r.N,
      steps: c.steps,
      recordedSteps: r.steps.length,
      kernel: r.kernel,
      compute: r.N * c.steps,
      flops: r.flops,
      seconds: r.seconds,
      finalStep: r.steps.length > 0 ? r.steps[r.steps.length - 1] : null,
      finalLoss: last(r.loss, c.seeds >= 2),
      finalTrainLoss: last(r.trainLoss, c.seeds >= 2),
    })),
    files: [...meta.files],
  };
}

export function runJsonText(result: SweepResult, meta: RunMeta): string {
  return JSON.stringify(buildRunJson(result, meta), null, 2) + '\n';
}

export async function writeRunJson(path: string, result: SweepResult, meta: RunMeta): Promise<void> {
  await atomicWrite(path, runJsonText(result, meta));
}
