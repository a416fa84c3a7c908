/**
 * Loader and types of the native addon (native/, built by cmake-js into build/Release/richscale.node).
 * The addon runs the simulator kernel off the main thread; see docs/algorithm.md for what it computes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgressFn, SeedKernelArgs, SeedKernelResult } from './simulate/types.js';

/** simulateBatch's arguments: one seed's args plus the lanes' γ values (`gamma` is ignored). */
export interface BatchKernelArgs extends SeedKernelArgs {
  gammas: Float64Array;
}

/** A running native job: `promise` settles with the result; `cancel()` makes it reject with code 'ABORT_ERR'. */
export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

/** OpenBLAS build and threading information. */
export interface NativeBlasInfo {
  config: string;
  corename: string;
  threads: number;
}

export interface NativeBindings {
  /**
   * Runs one seed of the simulator on the libuv thread pool. Arguments are validated synchronously (TypeError /
   * RangeError naming the field). `onProgress` receives the updates done so far, at most ~20 times per second.
   * A cancelled job rejects with `Error('cancelled')` whose `code` is 'ABORT_ERR'.
   */
  simulateSeed(args: SeedKernelArgs, onProgress?: ProgressFn): NativeJob<SeedKernelResult>;
  /**
   * Runs K projected-model seeds that differ only in γ (`gammas`) and share the seed, stream, A(0) and batch
   * randomness, as one batched job: the passes over A(0) become matrix-matrix products (docs/performance.md).
   * Result j equals simulateSeed with gamma = gammas[j] up to rounding. data must be Infinity; no chunked runs.
   */
  simulateBatch(args: BatchKernelArgs, onProgress?: ProgressFn): NativeJob<SeedKernelResult[]>;
  /** Sets the OpenBLAS thread count (process-wide). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  blasInfo(): NativeBlasInfo;
}

const require = createRequire(import.meta.url);

/** The nearest directory at or above this file's directory whose package.json is named "richscale". */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
        if (typeof pkg === 'object' && pkg !== null && (pkg as { name?: unknown }).name === 'richscale') return dir;
      } catch {
        // unreadable manifest: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`richscale: cannot find the package root (a package.json named "richscale") above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

/** Turns a load failure into an error that says what to do. */
function explainLoadError(err: unknown, root: string): Error {
  const reason = err instanceof Error ? err.message : String(err);
  let hint: string;
  if (/libopenblas\.so[.\d]*: cannot open shared object file/.test(reason)) {
    hint = 'the OpenBLAS runtime library is missing: run `apt-get install -y libopenblas0` (or libopenblas-dev)';
  } else if (/No native build was found/.test(reason)) {
    hint = 'the native addon is not built: run `npm run build:native` (needs cmake, g++ and libopenblas-dev)';
  } else {
    hint = 'rebuild the native addon with `npm run build:native` (needs cmake, g++ and libopenblas-dev)';
  }
  return new Error(`richscale: cannot load the native addon from ${root}: ${hint}. Cause: ${reason}`, { cause: err });
}

function isBindings(x: unknown): x is NativeBindings {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return ['simulateSeed', 'setNumThreads', 'getNumThreads', 'blasInfo'].every((k) => typeof o[k] === 'function');
}

let cached: NativeBindings | undefined;

/**
 * Loads the addon once (cached). Throws an Error with an actionable message if it cannot be loaded.
 * The environment variable RICHSCALE_ADDON (a path to a richscale.node, resolved against the working directory)
 * loads that file instead of the build node-gyp-build finds in build/Release: `npm run check:native` uses it to run
 * the tests against the ASan + UBSan build in build-asan/ (scripts/check-native.sh).
 */
export function loadNative(): NativeBindings {
  if (cached) return cached;
  const root = findPackageRoot();
  const override = process.env.RICHSCALE_ADDON;
  let addon: unknown;
  try {
    if (override) {
      addon = require(resolve(override));
    } else {
      const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
      addon = nodeGypBuild(root);
    }
  } catch (err) {
    throw explainLoadError(err, override ? resolve(override) : root);
  }
  if (!isBindings(addon)) {
    throw new Error(
      `richscale: the native addon in ${root} is out of date (missing functions): run \`npm run build:native\``,
    );
  }
  cached = addon;
  return cached;
}

/**
 * One more native function by name, typed by the caller's own binding interface. Each solver module declares the
 * signature of its kernel next to its wrapper (one file per kernel), so adding a kernel touches no shared file here.
 */
export function nativeFunction<F extends (...args: never[]) => unknown>(name: string): F {
  const addon = loadNative() as unknown as Record<string, unknown>;
  const fn = addon[name];
  if (typeof fn !== 'function') {
    throw new Error(`richscale: the native addon has no '${name}' (out of date): run \`npm run build:native\``);
  }
  return fn as F;
}
