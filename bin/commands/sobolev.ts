/**
 * `richscale sobolev`: the nonlinear experiment of SPEC 5 (Fig. 5) — a ReLU MLP in the mean-field/μP
 * parameterisation on Sobolev targets on the circle; (α, β) from its initial NTK; lazy vs rich time exponents
 * next to χ(β). Parsing and validation only; the work is lib/mlp/sobolev.ts (docs/mlp.md).
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { parseListToken, parseNumberToken } from '../../lib/config/flags.js';
import { loadConfigFile } from '../../lib/config/load.js';
import { checkOutPath, defaultOutDir, makeOutDir, parseThreads } from '../../lib/config/runFlags.js';
import { loadNative } from '../../lib/native.js';
import { resolveSobolevConfig, parseWindowToken, SOBOLEV_DEFAULTS, type SobolevConfig } from '../../lib/mlp/config.js';
import { runSobolev } from '../../lib/mlp/sobolev.js';
import { sobolevJson, sobolevSummary, writeSobolevOutputs } from '../../lib/mlp/outputs.js';
import { runInterruptible } from './interruptible.js';

interface SobolevFlags extends Record<string, unknown> {
  config?: string; out?: string; threads: string; json?: boolean; quiet?: boolean;
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

async function sobolev(opts: SobolevFlags): Promise<void> {
  const layers: { input: unknown; label: string }[] = [];
  if (opts.config !== undefined) layers.push({ input: await loadConfigFile(opts.config), label: `config (${opts.config})` });
  layers.push({ input: flagLayer(opts), label: 'config' });
  const config = resolveSobolevConfig(SOBOLEV_DEFAULTS, layers);
  const threads = parseThreads(opts.threads);
  const outDir = checkOutPath(opts.out) ?? defaultOutDir('sobolev');
  const native = loadNative();
  native.setNumThreads(1);
  await makeOutDir(outDir);
  const startedAt = new Date();
  const result = await runInterruptible((signal, onProgress) => runSobolev(config, {
    concurrency: threads, signal, ...(onProgress ? { onProgress } : {}),
  }), opts.json || opts.quiet ? {} : { progressLabel: 'sobolev' });
  const files = await writeSobolevOutputs(result, outDir, { argv: process.argv.slice(2), startedAt, endedAt: new Date(), threads });
  if (opts.json) process.stdout.write(JSON.stringify({ outDir, files, ...sobolevJson(result) }, null, 2) + '\n');
  else if (opts.quiet) process.stdout.write(`results in ${outDir}\n`);
  else process.stdout.write(`${sobolevSummary(result)}\nresults in ${outDir} (${files.join(', ')})\n`);
}
