/** The config flags shared by every command that takes a simulate-style config (one flag per config key). */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { flagsToConfigInput } from '../../lib/config/flags.js';
import { loadConfigFile } from '../../lib/config/load.js';
import { DEFAULT_PRESET, getPreset } from '../../lib/config/presets.js';
import { CONFIG_KEYS, KEYS, resolveSimulateConfig, type ConfigPurpose, type ResolvedSimulateConfig } from '../../lib/config/schema.js';

export interface ConfigFlagValues extends Record<string, unknown> {
  config?: string;
  preset: string;
  threads: string;
}

export function addConfigOptions(cmd: Command, fileHelp = 'config file (.json, .yaml, .yml) layered over the preset'): Command {
  for (const key of CONFIG_KEYS) cmd.option(KEYS[key].flag, KEYS[key].help);
  return cmd
    .option('--config <file>', fileHelp)
    .option('--preset <name>', 'named preset the config file and flags override', DEFAULT_PRESET)
    .addOption(new Option('--threads <n>', 'threads (concurrent jobs, one BLAS thread each)')
      .default(String(availableParallelism()), `number of cores, ${availableParallelism()}`));
}

/** preset < defaults < --config file < flags, validated. */
export async function resolveConfigFlags(
  opts: ConfigFlagValues, defaults: Partial<ResolvedSimulateConfig> = {}, purpose: ConfigPurpose = 'simulate',
): Promise<ResolvedSimulateConfig> {
  const fileConfig = opts.config !== undefined ? await loadConfigFile(opts.config) : undefined;
  const base = { ...getPreset(opts.preset), ...defaults } as ResolvedSimulateConfig;
  return resolveSimulateConfig(base, fileConfig, flagsToConfigInput(opts), { fileLabel: opts.config, purpose });
}
