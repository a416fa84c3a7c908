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
import { defaultOutDir, parseThreads } from '../../lib/config/runFlags.js';
import { CONFIG_KEYS, KEYS, resolveSimulateConfig } from '../../lib/config/schema.js';
import { removePendingTempFilesSync } from '../../lib/io/atomicWrite.js';
import {
  formatSummary, jsonSummary, prepareOutDir, removeCreatedDirs, writeSweepOutputs,
} from '../../lib/io/outputs.js';
import { runSweep } from '../../lib/simulate/sweep.js';

interface SimulateOptions extends Record<string, unknown> {
  config?: string;
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
  constructor(readonly signal: StopSignal = 'SIGINT') {
    super(`interrupted (${signal})`);
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
  richscale simulate --M 64 --N 16 --steps 50 --seeds 2 --json`;

export function simulateCommand(): Command {
  const cmd = new Command('simulate')
    .description('simulate the two-layer linear network (SPEC 2) over a sweep of N and γ, seed-averaged');
  for (const key of CONFIG_KEYS) cmd.option(KEYS[key].flag, KEYS[key].help);
  cmd
    .option('--config <file>', 'config file (.json, .yaml, .yml) layered over the preset')
    .option('--preset <name>', 'named preset the config file and flags override', DEFAULT_PRESET)
    .option('--out <dir>', 'output directory (default: results/<preset>-<timestamp>)')
    .option('--force', 'write into --out even if it already holds a run (run.json), replacing its files')
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
    .action(async (opts: SimulateOptions) => {
      await simulate(opts);
    });
  return cmd;
}

async function simulate(opts: SimulateOptions): Promise<void> {
  const startedAt = new Date();
  const fileConfig = opts.config !== undefined ? await loadConfigFile(opts.config) : undefined;
  const config = resolveSimulateConfig(opts.preset, fileConfig, flagsToConfigInput(opts), {
    fileLabel: opts.config,
  });
  const threads = parseThreads(opts.threads);
  const maxMemory = opts.maxMemory !== undefined ? parseMemorySize(opts.maxMemory) : undefined;
  checkMemory(config, { threads, maxMemory });
  const outDir = opts.out ?? defaultOutDir(opts.preset, startedAt);
  const { createdDirs } = await prepareOutDir(outDir, { force: opts.force === true });

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
    await removeCreatedDirs(createdDirs);
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
      await removeCreatedDirs(createdDirs);
      throw err;
    } finally {
      if (barStarted) bar?.stop();
    }
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
    if (opts.json) process.stdout.write(JSON.stringify(jsonSummary(result, out), null, 2) + '\n');
    else if (opts.quiet) process.stdout.write(`results in ${out.dir}\n`);
    else process.stdout.write(formatSummary(result, out) + '\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
