/**
 * `richscale frontier`: a sweep over widths N (and γ) run with the simulator, one job per (N, γ) on the local cores
 * (one BLAS thread per job), resumable from its output folder, then the compute-optimal frontier and its
 * exponents next to the theory values of SPEC 4.5.
 *
 * Resuming: every finished sweep point is written to points/ (atomically) with the hash of the resolved config;
 * a rerun with the same --out and config skips those points. A folder holding another config is refused.
 */
import { readFile } from 'node:fs/promises';
import { makeDirs } from '../io/mkdirs.js';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { atomicWrite } from '../io/atomicWrite.js';
import { configHash } from '../io/configHash.js';
import { readManifest, writeManifest } from '../io/manifest.js';
import { configToJson } from '../io/runJson.js';
import { computeOptimal } from '../scaling/computeOptimal.js';
import { classifyTask } from '../scaling/regimes.js';
import { CheckpointStore } from '../simulate/checkpoint.js';
import { describeLossSpikes, findLossSpikes } from '../simulate/spikes.js';
import { runSweep, type ResolvedSimulateConfig } from '../simulate/sweep.js';
import { fitFrontier, type FrontierFit, type SeedCurves } from './fit.js';

export interface FrontierRunOptions {
  threads: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Called when a point is loaded from a previous run instead of computed. */
  onResume?: (N: number, gamma: number) => void;
  bootstrap?: number;
  /** Seconds of work between seed checkpoints (default 60). */
  checkpointSeconds?: number;
}

export interface FrontierGammaResult {
  gamma: number;
  dynamics: 'lazy' | 'rich';
  fit: FrontierFit;
  theory: { lossExponent: number; modelExponent: number };
  curves: SeedCurves[];
}

export interface FrontierResult {
  config: ResolvedSimulateConfig;
  configHash: string;
  results: FrontierGammaResult[];
  computedPoints: number;
  resumedPoints: number;
  seconds: number;
}

interface PointFile { configHash: string; N: number; gamma: number; steps: number[]; perSeedLoss: number[][]; seconds: number }

export const frontierConfigHash = configHash;

const pointName = (N: number, gamma: number): string => `g${gamma}_N${N}.json`;

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export async function runFrontier(config: ResolvedSimulateConfig, outDir: string, opts: FrontierRunOptions): Promise<FrontierResult> {
  if (config.N.length < 3) throw new ConfigError('frontier: N needs at least 3 widths (e.g. --N 16,32,64,128,256)');
  const t0 = performance.now();
  const hash = frontierConfigHash(config);
  const pointsDir = join(outDir, 'points');
  await makeDirs(pointsDir);
  const manifest = await readManifest(outDir);
  if (manifest !== null && (manifest.command !== 'frontier' || manifest.configHash !== hash)) {
    throw new ConfigError(
      `frontier: '${outDir}' holds a ${manifest.command} run of another config (hash ${manifest.configHash}, this one ${hash}): use another --out`,
    );
  }
  await writeManifest(outDir, { command: 'frontier', configHash: hash, config: configToJson(config), status: 'running',
    ...(manifest ? { createdAt: manifest.createdAt } : {}) });

  // Seeds of unfinished points are checkpointed too (docs/algorithm.md section 8), so a long point resumes mid-run.
  const store = new CheckpointStore(join(outDir, '.checkpoint'), hash);
  const pairs = config.gamma.flatMap((gamma) => config.N.map((N) => ({ N, gamma })));
  const done = new Map<string, PointFile>();
  for (const { N, gamma } of pairs) {
    const p = (await readJson(join(pointsDir, pointName(N, gamma)))) as PointFile | undefined;
    if (p?.configHash === hash && Array.isArray(p.perSeedLoss) && p.perSeedLoss.length === config.seeds) {
      done.set(pointName(N, gamma), p);
      opts.onResume?.(N, gamma);
    }
  }
  const resumedPoints = done.size;
  const pending = pairs.filter(({ N, gamma }) => !done.has(pointName(N, gamma)));
  const total = pending.length * config.seeds * config.steps;
  const progress = new Map<string, number>();
  const report = (): void => opts.onProgress?.([...progress.values()].reduce((a, b) => a + b, 0), total);

  let next = 0;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < pending.length) {
      const { N, gamma } = pending[next++]!;
      const key = pointName(N, gamma);
      try {
        const res = await runSweep({ ...config, N: [N], gamma: [gamma] }, {
          threads: 1, signal: opts.signal, onProgress: (d) => { progress.set(key, d); report(); },
          checkpoint: { store, intervalSeconds: opts.checkpointSeconds ?? 60 },
        });
        const run = res.runs[0]!;
        const point: PointFile = {
          configHash: hash, N, gamma, steps: Array.from(run.steps),
          perSeedLoss: run.perSeedLoss.map((c) => Array.from(c)), seconds: run.seconds,
        };
        await atomicWrite(join(pointsDir, key), JSON.stringify(point));
        done.set(key, point);
      } catch (err) {
        if (failure === null) failure = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.threads, pending.length)) }, worker));
  if (failure !== null) throw failure;
  await store.clear();

  const regime = classifyTask(config.alpha, config.beta);
  const results = config.gamma.map((gamma): FrontierGammaResult => {
    const curves: SeedCurves[] = config.N.map((N) => {
      const p = done.get(pointName(N, gamma))!;
      return { N, steps: Float64Array.from(p.steps), perSeed: p.perSeedLoss.map((c) => Float64Array.from(c)) };
    });
    const dynamics = gamma > 0 ? 'rich' : 'lazy';
    const theory = computeOptimal(config.alpha, config.beta, dynamics);
    const fit = fitFrontier(curves, { bootstrap: opts.bootstrap ?? 500, seed: config.seed });
    if (gamma > 0 && regime !== 'hard') fit.warnings.push('rich = lazy outside hard tasks (SPEC 4.5)');
    for (const c of curves) {
      const w = describeLossSpikes(gamma, c.N, c.perSeed.length, config.eta, findLossSpikes(c.steps, c.perSeed));
      if (w !== null) fit.warnings.push(w);
    }
    return { gamma, dynamics, fit, theory: { lossExponent: theory.lossExponent, modelExponent: theory.modelExponent }, curves };
  });
  return {
    config, configHash: hash, results,
    computedPoints: pending.length, resumedPoints,
    seconds: (performance.now() - t0) / 1000,
  };
}
