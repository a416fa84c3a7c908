/**
 * `richscale simulate`: parse flags, resolve the config (preset < --config file < flags), run the sweep and
 * write curve.csv, run.json, loss.png and loss.svg. All logic lives in lib/; this file only wires it up.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { flagsToConfigInput } from '../../lib/config/flags.js';
import { loadConfigFile } from '../../lib/config/load.js';
import {
  checkMemory, DEFAULT_MEMORY_FRACTION, defaultMaxMemory, formatBytes, parseMemorySize,
} from '../../lib/config/memory.js';
import { DEFAULT_PRESET, presetValuesLine, presetsHelp } from '../../lib/config/presets.js';
import { checkOutPath, defaultOutDir, parseThreads } from '../../lib/config/runFlags.js';
import { CONFIG_KEYS, KEYS, resolveSimulateConfig } from '../../lib/config/schema.js';
import { removePendingTempFilesSync } from '../../lib/io/atomicWrite.js';
import {
  clearRunOutputs, formatSummary, jsonSummary, prepareOutDir, removeCreatedDirs, writeSweepOutputs,
} from '../../lib/io/outputs.js';
import { rm } from 'node:fs/promises';
import { describeLossSpikes, findLossSpikes } from '../../lib/simulate/spikes.js';
import { join } from 'node:path';
import { ConfigError } from '../../lib/config/errors.js';
import { configHash } from '../../lib/io/configHash.js';
import { MANIFEST_FILE, readManifest, writeManifest } from '../../lib/io/manifest.js';
import { configToJson } from '../../lib/io/runJson.js';
import { CheckpointStore } from '../../lib/simulate/checkpoint.js';
import { runSweep, type ResolvedSimulateConfig, type SweepResult } from '../../lib/simulate/sweep.js';

/** Where an output folder keeps its seeds' checkpoints until the run completes. */
export const CHECKPOINT_DIR = '.checkpoint';

interface SimulateOptions extends Record<string, unknown> {
  config?: string;
  resume?: string;
  checkpointEvery: string;
  preset: string;
  out?: string;
  force?: boolean;
  threads: string;
  maxMemory?: string;
  backend: 'native' | 'reference';
  json?: boolean;
  quiet?: boolean;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit code of a process stopped by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export const signalExitCode = (signal: StopSignal): number => (signal === 'SIGTERM' ? 143 : 130);

/** Thrown when SIGINT/SIGTERM stopped the run (exit code 130 / 143). */
export class InterruptedError extends Error {
  readonly exitCode: number;
  constructor(readonly signal: StopSignal = 'SIGINT', hint = '') {
    super(`interrupted (${signal})${hint}`);
    this.name = 'InterruptedError';
    this.exitCode = signalExitCode(signal);
  }
}

const EXAMPLES = `
Config keys (flags above, or a JSON/YAML file via --config; flags override the file, the file the preset):
  ${CONFIG_KEYS.join(', ')}
  batch and data accept 'inf'. JSON Schema: richscale schema

Presets:
${presetsHelp('  ')}
  ${presetValuesLine(DEFAULT_PRESET)}

Examples:
  richscale simulate --preset easy --N 64,256 --steps 10000
  richscale simulate --config run.yaml --seeds 32 --out results/my-run
  richscale simulate --M 64 --N 16 --steps 50 --seeds 2 --json
  richscale simulate --resume results/my-run     (after Ctrl-C, kill or a crash: continue where it stopped)

Checkpoints: every seed's full state (w, G or A, RNG words) is saved in DIR/.checkpoint every --checkpoint-every
seconds of work and when the run is stopped; a resumed run gives the same curves as an uninterrupted one
(bit-identical with one BLAS thread). manifest.json records the config and its hash; a folder is never reused
for another config.`;

export function simulateCommand(): Command {
  const cmd = new Command('simulate')
    .description('simulate the two-layer linear network (SPEC 2) over a sweep of N and γ, seed-averaged');
  for (const key of CONFIG_KEYS) cmd.option(KEYS[key].flag, KEYS[key].help);
  cmd
    .option('--config <file>', 'config file (.json, .yaml, .yml) layered over the preset')
    .option('--preset <name>', 'named preset the config file and flags override', DEFAULT_PRESET)
    .option('--out <dir>', 'output directory (default: results/<preset>-<timestamp>)')
    .option('--force', 'write into --out even if it already holds a run (run.json or an unfinished one), replacing it')
    .option('--resume <dir>', 'continue the unfinished run in <dir> with the config recorded in its manifest.json')
    .option('--checkpoint-every <seconds>', 'seconds of work between checkpoints of each seed; 0 = no checkpoints', '60')
    .addOption(
      new Option('--threads <n>', 'threads for concurrent seeds / BLAS (more than the cores is allowed; memory is checked)')
        .default(String(availableParallelism()), `number of cores, ${availableParallelism()}`),
    )
    .option(
      '--max-memory <size>',
      'refuse a run whose memory estimate exceeds this: bytes, 8G, 512MB, 4GiB or 50% ' +
        `(default: ${Math.round(DEFAULT_MEMORY_FRACTION * 100)}% of the RAM, ${formatBytes(defaultMaxMemory())})`,
    )
    .addOption(
      new Option('--backend <kind>', 'native (C++/OpenBLAS) or reference (pure TypeScript, slow)')
        .choices(['native', 'reference'])
        .default('native'),
    )
    .option('--json', 'print a machine-readable JSON summary to stdout (and nothing else)')
    .option('--quiet', 'no progress bar and no table; print only where the results are')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: SimulateOptions, command: Command) => {
      await simulate(opts, command);
    });
  return cmd;
}

function parseCheckpointEvery(text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x < 0) {
    throw new ConfigError([`--checkpoint-every must be a number of seconds >= 0 (0 = no checkpoints), got '${text}'`]);
  }
  return x;
}

/** One warning per (N, γ) run whose seeds show loss spikes (lib/simulate/spikes.ts). */
function spikeWarnings(result: SweepResult): string[] {
  return result.runs.flatMap((r) => {
    const w = describeLossSpikes(r.gamma, r.N, result.config.seeds, result.config.eta, findLossSpikes(r.steps, r.perSeedLoss));
    return w === null ? [] : [w];
  });
}

/** The config to run: from the preset, --config and flags, or (with --resume) from the folder's manifest. */
async function resolveRun(opts: SimulateOptions, command: Command): Promise<{ config: ResolvedSimulateConfig; outDir: string; resuming: boolean; createdAt?: string }> {
  checkOutPath(opts.resume, '--resume');
  if (opts.resume !== undefined) {
    const fromCli = [...CONFIG_KEYS.map((k) => KEYS[k].flag.split(' ')[0]!.replace(/^--/, '')), 'config', 'preset']
      .filter((name) => command.getOptionValueSource(name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())) === 'cli');
    if (fromCli.length > 0) {
      throw new ConfigError([`--resume takes the config from ${opts.resume}/${MANIFEST_FILE}; remove ${fromCli.map((f) => `--${f}`).join(', ')}`]);
    }
    if (opts.out !== undefined && opts.out !== opts.resume) throw new ConfigError(['--resume DIR writes to DIR: drop --out, or give the same folder']);
    if (opts.force) throw new ConfigError(['--resume and --force contradict each other: --force starts the run afresh']);
    const m = await readManifest(opts.resume);
    if (m === null) throw new ConfigError([`--resume: '${opts.resume}' has no ${MANIFEST_FILE}: it is not a richscale simulate folder`]);
    if (m.command !== 'simulate') throw new ConfigError([`--resume: '${opts.resume}' holds a '${m.command}' run, not a simulate run`]);
    if (m.status === 'complete') throw new ConfigError([`--resume: the run in '${opts.resume}' is already complete (run.json); nothing to resume`]);
    const config = resolveSimulateConfig(DEFAULT_PRESET, m.config, {}, { fileLabel: `${opts.resume}/${MANIFEST_FILE}` });
    if (configHash(config) !== m.configHash) {
      throw new ConfigError([`--resume: the config in '${opts.resume}/${MANIFEST_FILE}' does not match its hash (edited?); start afresh with --force`]);
    }
    return { config, outDir: opts.resume, resuming: true, createdAt: m.createdAt };
  }
  const fileConfig = opts.config !== undefined ? await loadConfigFile(opts.config) : undefined;
  const config = resolveSimulateConfig(opts.preset, fileConfig, flagsToConfigInput(opts), { fileLabel: opts.config });
  const outDir = checkOutPath(opts.out) ?? defaultOutDir(opts.preset, new Date());
  const m = await readManifest(outDir);
  if (m !== null && m.status === 'running' && !opts.force) {
    if (m.command === 'simulate' && m.configHash === configHash(config)) return { config, outDir, resuming: true, createdAt: m.createdAt };
    throw new ConfigError([`'${outDir}' holds an unfinished run of another config (hash ${m.configHash}, this one ${configHash(config)}): ` +
      `resume it with --resume ${outDir}, choose another --out, or add --force to discard it`]);
  }
  return { config, outDir, resuming: false };
}

async function simulate(opts: SimulateOptions, command: Command): Promise<void> {
  const startedAt = new Date();
  const { config, outDir, resuming, createdAt } = await resolveRun(opts, command);
  const threads = parseThreads(opts.threads);
  const checkpointEvery = parseCheckpointEvery(opts.checkpointEvery);
  const maxMemory = opts.maxMemory !== undefined ? parseMemorySize(opts.maxMemory) : undefined;
  checkMemory(config, { threads, maxMemory });
  const { createdDirs } = await prepareOutDir(outDir, { force: opts.force === true || resuming });
  const hash = configHash(config);
  const checkpointing = checkpointEvery > 0 && opts.backend === 'native';
  const store = new CheckpointStore(join(outDir, CHECKPOINT_DIR), hash, (key, why) => {
    if (!opts.json) process.stderr.write(`richscale: seed ${key}: ${why}; it restarts\n`);
  });
  if (opts.force && !resuming) {
    await store.clear();
    await clearRunOutputs(outDir);
  }
  await writeManifest(outDir, { command: 'simulate', configHash: hash, config: configToJson(config), status: 'running', ...(createdAt ? { createdAt } : {}) });
  // Without checkpoints a stopped run leaves nothing worth keeping: the manifest goes, and the folders made now.
  const discard = async (): Promise<void> => {
    await rm(join(outDir, MANIFEST_FILE), { force: true });
    await removeCreatedDirs(createdDirs);
  };
  let resumedSeeds = 0;

  // SIGINT/SIGTERM stop the run and the writing of its outputs (between files; each file is written
  // atomically); a second signal ends the process at once.
  const controller = new AbortController();
  let stopSignal: StopSignal | null = null;
  const onSignal = (signal: StopSignal): void => {
    if (stopSignal !== null) {
      removePendingTempFilesSync();
      process.stderr.write(`richscale: ${new InterruptedError(signal).message}\n`);
      process.exit(signalExitCode(signal));
    }
    stopSignal = signal;
    controller.abort();
  };
  // Both backends give the event loop a turn (native runs off the main thread, the reference in slices).
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const interrupted = async (): Promise<InterruptedError> => {
    if (checkpointing) {
      return new InterruptedError(stopSignal ?? 'SIGINT', `: progress saved in ${outDir}; continue with: richscale simulate --resume ${outDir}`);
    }
    await discard();
    return new InterruptedError(stopSignal ?? 'SIGINT');
  };

  const showProgress = process.stderr.isTTY === true && !opts.json && !opts.quiet;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'simulate |{bar}| {percentage}% | {value}/{total} steps | {duration_formatted} elapsed, ETA {eta_formatted}',
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let barStarted = false;

  try {
    let result;
    try {
      result = await runSweep(config, {
        backend: opts.backend,
        threads,
        signal: controller.signal,
        ...(checkpointing ? { checkpoint: { store, intervalSeconds: checkpointEvery } } : {}),
        onResumed: () => { resumedSeeds++; },
        onProgress: bar
          ? (done, total) => {
              if (!barStarted) {
                bar.start(total, done);
                barStarted = true;
              } else bar.update(done);
            }
          : undefined,
      });
    } catch (err) {
      if (controller.signal.aborted) throw await interrupted();
      // A failed run (divergence, bad sizes) would fail again on resume: nothing of it is kept.
      await store.clear();
      await discard();
      throw err;
    } finally {
      if (barStarted) bar?.stop();
    }
    if (resumedSeeds > 0 && !opts.json && !opts.quiet) process.stderr.write(`resumed ${resumedSeeds} seed(s) from ${outDir}/${CHECKPOINT_DIR}\n`);
    if (controller.signal.aborted) throw await interrupted();

    let out;
    try {
      out = await writeSweepOutputs(
        result,
        outDir,
        { argv: process.argv.slice(2), startedAt, threads, preset: opts.preset, configFile: opts.config },
        undefined,
        { signal: controller.signal },
      );
    } catch (err) {
      if (controller.signal.aborted) throw await interrupted();
      throw err;
    }
    await writeManifest(outDir, { command: 'simulate', configHash: hash, config: configToJson(config), status: 'complete', ...(createdAt ? { createdAt } : {}) });
    await store.clear();
    if (!opts.json) for (const w of spikeWarnings(result)) process.stderr.write(`richscale: warning: ${w}\n`);
    if (opts.json) process.stdout.write(JSON.stringify(jsonSummary(result, out), null, 2) + '\n');
    else if (opts.quiet) process.stdout.write(`results in ${out.dir}\n`);
    else process.stdout.write(formatSummary(result, out) + '\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
