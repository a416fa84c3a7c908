/** Flags of `simulate` that are not part of the simulated config: threads, output directory. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../io/mkdirs.js';
import { ConfigError, showValue } from './errors.js';
import { parseNumberToken } from './flags.js';

export const MAX_THREADS = 4096;

/** `--threads N`: an integer in [1, 4096]. */
export function parseThreads(value: string | number): number {
  const n = typeof value === 'number' ? value : parseNumberToken(value);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ConfigError(
      `config: threads = ${showValue(n)} is not valid: must be an integer in [1, ${MAX_THREADS}] (worker/BLAS threads)`,
    );
  }
  return n;
}

/** UTC timestamp for directory names: 20250101-123456. */
export function timestamp(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, '').replace(/-/g, '').replace('T', '-').replace(/:/g, '');
}

/** `results/<label>-<timestamp>`, with -2, -3, … appended if that directory already exists. */
export function defaultOutDir(label: string, now: Date = new Date(), root = 'results'): string {
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '_') || 'run';
  const base = join(root, `${safe}-${timestamp(now)}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/**
 * An output path given on the command line (`--out DIR`, `--write FILE`): an empty (or blank) string would
 * silently mean the current directory, so it is refused. Returns the path unchanged (undefined stays undefined).
 */
export function checkOutPath(value: string | undefined, flag = '--out'): string | undefined {
  if (value !== undefined && value.trim() === '') {
    throw new ConfigError(`${flag} '${value}' is empty: give a path (or leave out ${flag} for the default)`);
  }
  return value;
}

/** makeDirs(dir) with the failure phrased as one line naming the directory (returns the directories created). */
export async function makeOutDir(dir: string): Promise<string[]> {
  try {
    return await makeDirs(dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot create output directory '${dir}': ${(e.message ?? String(e)).split('\n')[0]}`);
  }
}
