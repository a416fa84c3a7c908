/**
 * `richscale frontier`: sweep widths N at γ = 0 and γ > 0 with the simulator, find the compute-optimal frontier
 * L*(C), N*(C) (C = N·t) and fit its exponents next to SPEC 4.5. Resumable: rerun with the same --out.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { flagsToConfigInput } from '../../lib/config/flags.js';
import { loadConfigFile } from '../../lib/config/load.js';
import { DEFAULT_PRESET, getPreset } from '../../lib/config/presets.js';
import { checkOutPath, defaultOutDir, parseThreads } from '../../lib/config/runFlags.js';
import { CONFIG_KEYS, KEYS, resolveSimulateConfig, type ResolvedSimulateConfig } from '../../lib/config/schema.js';
import { frontierJson, frontierSummary, writeFrontierOutputs } from '../../lib/frontier/outputs.js';
import { runFrontier } from '../../lib/frontier/run.js';
import { readManifest, writeManifest } from '../../lib/io/manifest.js';
import { checkMemory } from '../../lib/config/memory.js';
import { runInterruptible } from './interruptible.js';

/**
 * Defaults over the preset: widths spanning 1.2 decades, runs long enough (T = 2^16 ≈ N_max^α) for the largest
 * width to reach its plateau in the lazy case, M = 8·N_max so the truncation floor stays below every plateau,
 * population gradient (B = ∞) so the SGD transient does not blur the frontier.
 */
export const FRONTIER_DEFAULTS: Partial<ResolvedSimulateConfig> = {
  N: [16, 32, 64, 128, 256], gamma: [0, 0.5], M: 2048, eta: 0.25, batch: Infinity, steps: 65536,
  recordPoints: 80, seeds: 8,
};

interface FrontierOptions extends Record<string, unknown> {
  config?: string; preset: string; out?: string; threads: string; bootstrap: string; json?: boolean; quiet?: boolean;
}

export function frontierCommand(): Command {
  const cmd = new Command('frontier')
    .description('compute-optimal frontier: sweep N at γ = 0 and γ > 0, fit L*(C) and N*(C) exponents (SPEC 4.5, Fig. 4)');
  for (const key of CONFIG_KEYS) cmd.option(KEYS[key].flag, KEYS[key].help);
  cmd
    .option('--config <file>', 'config file (.json, .yaml, .yml) layered over the frontier defaults')
    .option('--preset <name>', 'task preset the frontier defaults, the config file and flags override', DEFAULT_PRESET)
    .option('--out <dir>', 'output directory; rerun with the same --out to resume (default: results/frontier-<timestamp>)')
    .addOption(new Option('--threads <n>', 'sweep points run at once (one BLAS thread each)')
      .default(String(availableParallelism()), `number of cores, ${availableParallelism()}`))
    .option('--bootstrap <n>', 'bootstrap resamples over seeds for the intervals', '500')
    .option('--json', 'print the frontier fit as JSON')
    .option('--quiet', 'print only where the results are')
    .addHelpText('after', `
Defaults over the preset: N = ${FRONTIER_DEFAULTS.N!.join(',')}, γ = ${FRONTIER_DEFAULTS.gamma!.join(',')}, M = ${FRONTIER_DEFAULTS.M}, ` +
      `η = ${FRONTIER_DEFAULTS.eta}, B = inf, steps = ${FRONTIER_DEFAULTS.steps}, seeds = ${FRONTIER_DEFAULTS.seeds}.
Example: richscale frontier --out results/frontier-hard   (about 10 min on 2 cores; interrupt and rerun to resume)`)
    .action(async (opts: FrontierOptions) => { await frontier(opts); });
  return cmd;
}

async function frontier(opts: FrontierOptions): Promise<void> {
  const fileConfig = opts.config !== undefined ? await loadConfigFile(opts.config) : undefined;
  const base = { ...getPreset(opts.preset), ...FRONTIER_DEFAULTS } as ResolvedSimulateConfig;
  const config = resolveSimulateConfig(base, fileConfig, flagsToConfigInput(opts), { fileLabel: opts.config });
  const threads = parseThreads(opts.threads);
  const bootstrap = Number(opts.bootstrap);
  if (!Number.isInteger(bootstrap) || bootstrap < 0 || bootstrap > 100000) {
    throw new Error(`frontier: --bootstrap = '${opts.bootstrap}' must be an integer in [0, 100000]`);
  }
  const outDir = checkOutPath(opts.out) ?? defaultOutDir('frontier');
  checkMemory({ ...config, N: [Math.max(...config.N)] }, { threads });
  const result = await runInterruptible((signal, onProgress) => runFrontier(config, outDir, {
    threads, signal, bootstrap, ...(onProgress ? { onProgress } : {}),
  }), { hint: `: finished points are kept in ${outDir}; rerun with --out ${outDir} to resume`,
    ...(opts.json || opts.quiet ? {} : { progressLabel: 'frontier' }) });
  const files = await writeFrontierOutputs(result, outDir);
  const m = await readManifest(outDir);
  if (m) await writeManifest(outDir, { command: m.command, configHash: m.configHash, config: m.config, status: 'complete', createdAt: m.createdAt });
  if (opts.json) process.stdout.write(JSON.stringify({ outDir, files, ...frontierJson(result) }, null, 2) + '\n');
  else if (opts.quiet) process.stdout.write(`results in ${outDir}\n`);
  else process.stdout.write(`${frontierSummary(result)}\nresults in ${outDir} (${files.join(', ')})\n`);
}
