/**
 * `richscale theory` and `richscale compare`: the theory curve for every (N, γ) of a simulate-style config
 * (solver chosen automatically or by --solver; docs/theory.md), and, for compare, the matching simulation
 * ensemble with a per-step deviation table.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { checkMemory } from '../../lib/config/memory.js';
import { rm } from 'node:fs/promises';
import { ConfigError } from '../../lib/config/errors.js';
import { checkOutPath, defaultOutDir, parseThreads } from '../../lib/config/runFlags.js';
import { writeCurveCsv } from '../../lib/io/curveCsv.js';
import { clearRunOutputs, prepareOutDir, removeCreatedDirs } from '../../lib/io/outputs.js';
import { runSweep, recordStepsFor, type ResolvedSimulateConfig, type SweepResult } from '../../lib/simulate/sweep.js';
import { checkSolverParams, chooseSolver, solveFor, SOLVERS, theoryWidth, type SolverChoice } from '../../lib/theory/dispatch.js';
import type { DmftSolver } from '../../lib/theory/dmft.js';
import { deviations, formatDeviations, writeTheoryOutputs, type TheoryRun } from '../../lib/theory/outputs.js';
import { addConfigOptions, resolveConfigFlags, type ConfigFlagValues } from './configOptions.js';
import { configHash } from '../../lib/io/configHash.js';
import { MANIFEST_FILE, readManifest, writeManifest } from '../../lib/io/manifest.js';
import { configToJson } from '../../lib/io/runJson.js';
import { TheoryRunStore } from '../../lib/theory/runStore.js';
import { runInterruptible } from './interruptible.js';

interface TheoryFlags extends ConfigFlagValues { solver: SolverChoice; dmftSolver?: DmftSolver; out?: string; json?: boolean; quiet?: boolean; force?: boolean }

const SOLVER_HELP = `
Solvers (docs/theory.md): dmft (finite N; B = inf any γ: time-marching solver, T up to its memory limit (T ≤ 4618 at
128 bins on 24 GiB), --dmft-solver picard for the global fixed-point reference, T ≤ 1000; finite B only at γ = 0,
Picard, T ≤ 1000), ode-map / ode-flow
(N = B = inf, unit steps / gradient flow), volterra (N = inf, γ = 0, any B; exact lazy recursion), stochastic
(N = inf, finite B, any γ, averaged over max(32, seeds) noise realisations, plus the finite-N DMFT shift).
auto: B = inf → dmft if T ≤ 2000 (and it fits) else ode-map; finite B, γ = 0 → dmft if T ≤ 1000 else volterra; finite B, γ > 0 → stochastic.`;

function common(cmd: Command): Command {
  addConfigOptions(cmd)
    .addOption(new Option('--solver <name>', 'theory solver').choices([...SOLVERS]).default('auto'))
    .addOption(new Option('--dmft-solver <name>', 'finite-N DMFT solver (B = inf): march, or picard (the reference)').choices(['march', 'picard']))
    .option('--out <dir>', 'output directory (default: results/<command>-<timestamp>)')
    .option('--force', 'write into --out even if it holds another run (run.json, or an unfinished run of another config), replacing it')
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print only where the results are')
    .addHelpText('after', SOLVER_HELP);
  return cmd;
}

/**
 * One theory run per (N, γ). An N = ∞ solver's curve does not depend on N: it is solved once per γ and, with
 * `perWidth` (compare: one theory line per simulated N), shared by every N; without it (theory), listed once.
 */
async function theoryRuns(
  config: ResolvedSimulateConfig, solver: SolverChoice, threads: number, signal: AbortSignal,
  { store, perWidth, dmftSolver }: { store?: TheoryRunStore; perWidth: boolean; dmftSolver?: DmftSolver | undefined },
): Promise<TheoryRun[]> {
  const steps = recordStepsFor(config);
  const runs: TheoryRun[] = [];
  const solved = new Map<string, TheoryRun>();
  for (const N of config.N) {
    for (const gamma of config.gamma) {
      const s = chooseSolver(config, N, gamma, solver, dmftSolver);
      const key = `${theoryWidth(config, N, gamma, s)} ${gamma} ${s}`;
      const same = solved.get(key);
      if (same) {
        if (perWidth) runs.push({ ...same, N });
        continue;
      }
      const saved = await store?.load(N, gamma, s);
      if (saved) {
        solved.set(key, saved);
        runs.push(saved);
        continue;
      }
      const t0 = performance.now();
      const curve = await solveFor(config, N, gamma, s, steps, { signal, threads, ...(dmftSolver ? { dmftSolver } : {}) });
      const run: TheoryRun = { N, gamma, solver: s, curve, seconds: (performance.now() - t0) / 1000 };
      await store?.save(run);
      solved.set(key, run);
      runs.push(run);
    }
  }
  return runs;
}

/** The solver choice and its parameters (ranges, step and cost limits) for every (N, γ), before any solve. */
function checkTheoryParams(config: ResolvedSimulateConfig, solver: SolverChoice, dmftSolver?: DmftSolver): void {
  const steps = recordStepsFor(config);
  const chosen = new Set<string>();
  for (const N of config.N) {
    for (const g of config.gamma) {
      const s = chooseSolver(config, N, g, solver, dmftSolver);
      chosen.add(s);
      checkSolverParams(config, N, g, s, steps, dmftSolver);
    }
  }
  // The finite-N DMFT runs as 'dmft' and inside 'stochastic' (its finite-N shift); elsewhere the flag does nothing.
  if (dmftSolver !== undefined && !chosen.has('dmft') && !chosen.has('stochastic')) {
    process.stderr.write(`richscale: warning: --dmft-solver ${dmftSolver} has no effect: no run uses the finite-N DMFT (solver${chosen.size > 1 ? 's' : ''}: ${[...chosen].join(', ')})\n`);
  }
}

/**
 * Creates --out and makes sure it holds no other run: a folder with a finished run (run.json) or an unfinished run
 * of another config or command is refused unless --force, which removes that run's files first. An unfinished
 * run of the same command and hash is continued (theory keeps its finished solves). Returns the directories created.
 */
async function prepareRunDir(out: string, command: 'theory' | 'compare', hash: string, force: boolean): Promise<string[]> {
  const previous = await readManifest(out);
  const sameUnfinished = previous !== null && previous.status === 'running' && previous.command === command && previous.configHash === hash;
  if (!force && !sameUnfinished && previous !== null && previous.status === 'running') {
    throw new ConfigError([`'${out}' holds an unfinished ${previous.command} run of another config (hash ${previous.configHash}, this one ${hash}): ` +
      'choose another --out, or add --force to discard it']);
  }
  const { createdDirs } = await prepareOutDir(out, { force: force || sameUnfinished });
  if (force) {
    await clearRunOutputs(out);
    await rm(join(out, MANIFEST_FILE), { force: true });
    if (!sameUnfinished) await rm(join(out, '.checkpoint'), { recursive: true, force: true });
  }
  return createdDirs;
}

/** The solvers' warnings (notes starting 'warning:', e.g. a truncation-limited curve) as stderr lines. */
function printWarnings(runs: TheoryRun[]): void {
  const seen = new Set<string>();
  for (const r of runs) {
    for (const n of r.curve.notes) {
      const line = `richscale: warning (γ = ${r.gamma}, ${r.solver}): ${n.replace(/^warning: /, '')}`;
      if (n.startsWith('warning:') && !seen.has(line)) { seen.add(line); process.stderr.write(`${line}\n`); }
    }
  }
}

/** The theory run's hash: the config and the solver choice. */
// The DMFT solver is part of a run's identity: a resumed run must not mix march and picard curves.
const theoryHash = (config: ResolvedSimulateConfig, solver: SolverChoice, dmftSolver?: DmftSolver): string =>
  `${configHash(config)}-${solver}${dmftSolver ? `-${dmftSolver}` : ''}`;


export function theoryCommand(): Command {
  return common(new Command('theory')
    .description('theory loss curves (DMFT, N = ∞ ODE, lazy finite-B recursion, stochastic DMFT) for a simulate-style config'))
    .action(async (opts: TheoryFlags) => {
      const startedAt = new Date();
      const config = await resolveConfigFlags(opts, {}, 'theory');
      if (config.precision !== undefined && config.precision !== 'float64') {
        throw new ConfigError([`theory: precision = '${config.precision}' applies to the simulator only (the theory solvers compute in float64); drop it, or use compare`]);
      }
      const threads = parseThreads(opts.threads);
      const out = checkOutPath(opts.out) ?? defaultOutDir('theory', startedAt);
      checkTheoryParams(config, opts.solver, opts.dmftSolver); // fail fast, before anything is solved or written
      const hash = theoryHash(config, opts.solver, opts.dmftSolver);
      await prepareRunDir(out, 'theory', hash, opts.force === true);
      const manifest = { command: 'theory', configHash: hash, config: { ...configToJson(config), solver: opts.solver, ...(opts.dmftSolver ? { dmftSolver: opts.dmftSolver } : {}) } };
      const previous = await readManifest(out);
      await writeManifest(out, { ...manifest, status: 'running', ...(previous?.configHash === hash ? { createdAt: previous.createdAt } : {}) });
      const store = new TheoryRunStore(join(out, '.checkpoint'), hash);
      const runs = await runInterruptible((signal) => theoryRuns(config, opts.solver, threads, signal, { store, perWidth: false, dmftSolver: opts.dmftSolver }),
        { hint: `: finished solves are saved in ${out}; rerun the same command (same --out) to continue` });
      const files = await writeTheoryOutputs(out, config, runs, { argv: process.argv.slice(2), startedAt, seconds: (Date.now() - startedAt.getTime()) / 1000 });
      await writeManifest(out, { ...manifest, status: 'complete', ...(previous?.configHash === hash ? { createdAt: previous.createdAt } : {}) });
      await store.clear();
      printWarnings(runs);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ outDir: out, files, runs: runs.map((r) => ({ gamma: r.gamma, N: r.N, solver: r.solver,
          finalLoss: r.curve.loss[r.curve.loss.length - 1], seconds: r.seconds })) }, null, 2) + '\n');
      } else {
        if (!opts.quiet) {
          for (const r of runs) {
            const w = theoryWidth(config, r.N, r.gamma, r.solver);
            process.stdout.write(`γ = ${r.gamma}, N = ${Number.isFinite(w) ? w : '∞'}: ${r.solver}, final loss ${r.curve.loss[r.curve.loss.length - 1]!.toExponential(4)} (${r.seconds.toFixed(2)} s)\n`);
          }
        }
        process.stdout.write(`results in ${out} (${files.join(', ')})\n`);
      }
    });
}

export function compareCommand(): Command {
  return common(new Command('compare')
    .description('simulation ensemble and matching theory for the same config: one plot, per-step deviation table'))
    .action(async (opts: TheoryFlags) => {
      const startedAt = new Date();
      const config = await resolveConfigFlags(opts);
      const threads = parseThreads(opts.threads);
      checkMemory(config, { threads });
      const out = checkOutPath(opts.out) ?? defaultOutDir('compare', startedAt);
      checkTheoryParams(config, opts.solver, opts.dmftSolver); // fail fast, before anything is solved or written
      // Create --out first: an unwritable location fails now, not after the whole sweep (removed again on failure).
      const createdDirs = await prepareRunDir(out, 'compare', theoryHash(config, opts.solver, opts.dmftSolver), opts.force === true);
      let sim: SweepResult;
      let runs: TheoryRun[];
      try {
        ({ sim, runs } = await runInterruptible(async (signal) => {
          const s: SweepResult = await runSweep(config, { threads, signal });
          return { sim: s, runs: await theoryRuns(config, opts.solver, threads, signal, { perWidth: true, dmftSolver: opts.dmftSolver }) };
        }));
      } catch (err) {
        await removeCreatedDirs(createdDirs);
        throw err;
      }
      const manifest = { command: 'compare', configHash: theoryHash(config, opts.solver, opts.dmftSolver), config: { ...configToJson(config), solver: opts.solver, ...(opts.dmftSolver ? { dmftSolver: opts.dmftSolver } : {}) } };
      await writeManifest(out, { ...manifest, status: 'running' });
      await writeCurveCsv(join(out, 'curve.csv'), sim);
      const files = ['curve.csv', ...(await writeTheoryOutputs(out, config, runs,
        { argv: process.argv.slice(2), startedAt, seconds: (Date.now() - startedAt.getTime()) / 1000 }, sim))];
      await writeManifest(out, { ...manifest, status: 'complete' });
      const worst = deviations(runs, sim.runs).worst;
      printWarnings(runs);
      if (opts.json) process.stdout.write(JSON.stringify({ outDir: out, files, deviations: worst }, null, 2) + '\n');
      else {
        if (!opts.quiet) process.stdout.write(formatDeviations(worst) + '\n');
        process.stdout.write(`results in ${out} (${files.join(', ')})\n`);
      }
    });
}
