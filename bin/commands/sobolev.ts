/**
 * `richscale sobolev`: the nonlinear experiment of SPEC 5 (Fig. 5) — a ReLU MLP in the mean-field/μP
 * parameterisation on Sobolev targets on the circle; (α, β) from its initial NTK; lazy vs rich time exponents
 * next to χ(β). Parsing and validation only; the work is lib/mlp/sobolev.ts (docs/mlp.md).
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { parseListToken, parseNumberToken } from '../../lib/config/flags.js';
import { loadConfigFile } from '../../lib/config/load.js';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../lib/config/errors.js';
import { checkOutPath, defaultOutDir, parseThreads } from '../../lib/config/runFlags.js';
import { MANIFEST_FILE, readManifest } from '../../lib/io/manifest.js';
import { clearRunOutputs, prepareOutDir, removeCreatedDirs } from '../../lib/io/outputs.js';
import { loadNative } from '../../lib/native.js';
import { resolveSobolevConfig, parseWindowToken, SOBOLEV_DEFAULTS, type SobolevConfig } from '../../lib/mlp/config.js';
import { runSobolev } from '../../lib/mlp/sobolev.js';
import { sobolevJson, sobolevSummary, writeSobolevOutputs } from '../../lib/mlp/outputs.js';
import { runInterruptible } from './interruptible.js';

interface SobolevFlags extends Record<string, unknown> {
  config?: string; out?: string; threads: string; json?: boolean; quiet?: boolean; force?: boolean;
}

const FLAGS: [keyof SobolevConfig, string, string, 'number' | 'list' | 'window'][] = [
  ['width', '--width <int>', 'hidden width N', 'number'],
  ['depth', '--depth <int>', 'hidden ReLU layers', 'number'],
  ['batch', '--batch <int>', 'fresh samples per SGD step', 'number'],
  ['steps', '--steps <int>', 'SGD steps', 'number'],
  ['lr', '--lr <x>', 'η0 (the SGD step is η0·γ0²·N)', 'number'],
  ['gamma0', '--gamma0 <list>', 'richness γ0 values, comma-separated (smallest = the lazy reference)', 'list'],
  ['q', '--q <list>', 'target exponents q, comma-separated (y = Σ k^-q cos kθ; β = (2q−1)/α)', 'list'],
  ['K', '--K <int>', 'target frequencies k = 1..K', 'number'],
  ['grid', '--grid <int>', 'population-loss grid points (≥ 2K)', 'number'],
  ['ntkPoints', '--ntk-points <int>', 'NTK points on the circle', 'number'],
  ['specWindow', '--spec-window <k1:k2>', 'frequency window of the α and β fits', 'window'],
  ['fitWindow', '--fit-window <t1:t2|auto>', 'step window of the time-exponent fits (default: the last two decades)', 'window'],
  ['recordPoints', '--record-points <int>', 'points of the log record grid', 'number'],
  ['seeds', '--seeds <int>', 'seeds per (q, γ0)', 'number'],
  ['seed', '--seed <int>', 'run seed (seed index s uses stream s)', 'number'],
  ['bootstrap', '--bootstrap <int>', 'bootstrap resamples over seeds for the exponent intervals', 'number'],
];

function attr(flag: string): string {
  return flag.split(' ')[0]!.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function sobolevCommand(): Command {
  const d = SOBOLEV_DEFAULTS;
  const cmd = new Command('sobolev')
    .description('ReLU MLP on Sobolev targets on the circle: NTK spectrum → (α, β), lazy vs rich exponents (SPEC 5, Fig. 5)');
  for (const [, flag, help] of FLAGS) cmd.option(flag, help);
  cmd
    .option('--config <file>', 'config file (.json, .yaml) with the same keys (width, depth, lr, gamma0, q, …)')
    .option('--out <dir>', 'output directory (default: results/sobolev-<timestamp>)')
    .option('--force', 'write into --out even if it holds another richscale run, replacing that run\'s files')
    .addOption(new Option('--threads <n>', 'runs at once (one BLAS thread each)').default(String(availableParallelism()), `number of cores, ${availableParallelism()}`))
    .option('--json', 'print the results as JSON')
    .option('--quiet', 'print only where the results are')
    .addHelpText('after', `
Defaults: width ${d.width}, depth ${d.depth}, batch ${d.batch}, steps ${d.steps}, lr ${d.lr}, gamma0 ${d.gamma0.join(',')}, q ${d.q.join(',')},
K ${d.K}, grid ${d.grid}, ntk-points ${d.ntkPoints}, spec-window ${d.specWindow.join(':')}, seeds ${d.seeds} (about 3 min on 2 cores).
Example: richscale sobolev --width 512 --steps 30000 --seeds 4 --out results/fig5`)
    .action(async (opts: SobolevFlags) => { await sobolev(opts); });
  return cmd;
}

function flagLayer(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, flag, , kind] of FLAGS) {
    const v = opts[attr(flag)];
    if (typeof v !== 'string') continue;
    out[key] = kind === 'number' ? parseNumberToken(v) : kind === 'list' ? parseListToken(v) : parseWindowToken(v);
  }
  return out;
}

/** Files a sobolev run writes besides run.json and curve.csv (removed by --force with the other run files). */
const SOBOLEV_FILE = /^(spectrum\.(csv|png|svg)|loss-q.*\.(png|svg))$/;

/**
 * Creates --out; a folder holding another richscale run (run.json, or a manifest of an unfinished run) is refused
 * unless --force, which removes that run's files first, so results of different runs never mix.
 */
async function prepareSobolevDir(outDir: string, force: boolean): Promise<string[]> {
  const other = (await readManifest(outDir)) !== null;
  if (other && !force) {
    throw new ConfigError([`output directory '${outDir}' holds another richscale run (${MANIFEST_FILE}): choose another --out, or add --force to replace it`]);
  }
  const { createdDirs } = await prepareOutDir(outDir, { force });
  if (!force) return createdDirs;
  await clearRunOutputs(outDir);
  await rm(join(outDir, MANIFEST_FILE), { force: true });
  for (const f of await readdir(outDir)) if (SOBOLEV_FILE.test(f)) await rm(join(outDir, f), { force: true });
  return createdDirs;
}

async function sobolev(opts: SobolevFlags): Promise<void> {
  const layers: { input: unknown; label: string }[] = [];
  if (opts.config !== undefined) layers.push({ input: await loadConfigFile(opts.config), label: `config (${opts.config})` });
  layers.push({ input: flagLayer(opts), label: 'config' });
  const config = resolveSobolevConfig(SOBOLEV_DEFAULTS, layers);
  const threads = parseThreads(opts.threads);
  const outDir = checkOutPath(opts.out) ?? defaultOutDir('sobolev');
  const native = loadNative();
  native.setNumThreads(1);
  const createdDirs = await prepareSobolevDir(outDir, opts.force === true);
  const startedAt = new Date();
  let result;
  try {
    result = await runInterruptible((signal, onProgress) => runSobolev(config, {
      concurrency: threads, signal, ...(onProgress ? { onProgress } : {}),
    }), opts.json || opts.quiet ? {} : { progressLabel: 'sobolev' });
    if (result.tasks.every((t) => t.runs.every((r) => r.diverged !== null))) {
      // Nothing trained: no result to write (the first divergence says what to change).
      const first = result.tasks.flatMap((t) => t.runs).find((r) => r.diverged !== null)!;
      throw new Error(`sobolev: every run diverged, nothing written; first: ${first.diverged}`);
    }
  } catch (err) {
    await removeCreatedDirs(createdDirs); // a failed run leaves no empty folder it made
    throw err;
  }
  const files = await writeSobolevOutputs(result, outDir, { argv: process.argv.slice(2), startedAt, endedAt: new Date(), threads });
  if (opts.json) process.stdout.write(JSON.stringify({ outDir, files, ...sobolevJson(result) }, null, 2) + '\n');
  else if (opts.quiet) process.stdout.write(`results in ${outDir}\n`);
  else process.stdout.write(`${sobolevSummary(result)}\nresults in ${outDir} (${files.join(', ')})\n`);
}
