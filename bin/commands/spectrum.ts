/**
 * `richscale spectrum`: (α, β) of a user-supplied kernel (or feature matrix) and target (SPEC 1; docs/mlp.md), e.g.
 * an NTK computed in another framework. Parsing only; the work is lib/mlp/spectrumInput.ts and lib/mlp/spectrum.ts.
 */
import { Command } from 'commander';
import { loadNative } from '../../lib/native.js';
import { parseWindowToken } from '../../lib/mlp/config.js';
import { jsonSafe } from '../../lib/io/runJson.js';
import {
  checkSymmetric, formatOf, gramOfFeatures, readMatrix, readVector, spectrumOfKernel, SpectrumInputError,
} from '../../lib/mlp/spectrumInput.js';
import { timeExponent } from '../../lib/scaling/exponents.js';

interface SpectrumFlags {
  kernel?: string; features?: string; target?: string; n?: string; format?: string; targetFormat?: string;
  mode: string; window?: string; json?: boolean;
}

export function spectrumCommand(): Command {
  return new Command('spectrum')
    .description('estimate (α, β) from a kernel matrix (or features) and a target vector: eigenvalue decay and source condition (SPEC 1)')
    .option('--kernel <file>', 'kernel matrix n×n (CSV/whitespace text, or raw little-endian float64 with .bin/.f64/.raw or --format bin)')
    .option('--features <file>', 'feature matrix, rows = samples (kernel = F Fᵀ)')
    .option('--target <file>', 'target vector of length n (same formats)')
    .option('--n <int>', 'rows of a binary matrix (a binary kernel defaults to √(values))')
    .option('--format <csv|bin>', 'format of the kernel/features file (default: by extension)')
    .option('--target-format <csv|bin>', 'format of the target file (default: by extension)')
    .option('--mode <rank|circle>', "mode indexing: 'rank' (k = eigenvalue rank) or 'circle' (k = frequency, ranks 2k−1, 2k paired)", 'rank')
    .option('--window <k1:k2>', 'mode window of the fits (default: 4 to a quarter of the modes)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Eigenvalues are those of K/n (the integral operator on the n samples); the target power in eigenvector v_i is (y·v_i)²/n.
α: slope of ln λ_k vs ln k. β: slope of ln T_k vs ln λ_k with T_k = Σ_{j>k} P_j (SPEC 1 source condition).
Example: richscale spectrum --kernel ntk.bin --n 2048 --target y.csv --window 10:300`)
    .action(async (opts: SpectrumFlags) => { await spectrum(opts); });
}

async function spectrum(opts: SpectrumFlags): Promise<void> {
  if ((opts.kernel === undefined) === (opts.features === undefined)) {
    throw new SpectrumInputError('give exactly one of --kernel <file> or --features <file>');
  }
  if (opts.mode !== 'rank' && opts.mode !== 'circle') throw new SpectrumInputError(`--mode '${opts.mode}' must be 'rank' or 'circle'`);
  let n: number | undefined;
  if (opts.n !== undefined) {
    n = Number(opts.n);
    if (!Number.isInteger(n) || n < 1) throw new SpectrumInputError(`--n '${opts.n}' must be a positive integer`);
  }
  let window: [number, number] | undefined;
  if (opts.window !== undefined) {
    const w = parseWindowToken(opts.window);
    if (!Array.isArray(w) || !w.every(Number.isInteger) || !(w[0] >= 1) || !(w[1] > w[0])) {
      throw new SpectrumInputError(`--window '${opts.window}' must be two integers k1:k2 with 1 ≤ k1 < k2`);
    }
    window = [w[0], w[1]];
  }
  loadNative();
  let K: Float64Array;
  let rows: number;
  if (opts.kernel !== undefined) {
    const m = await readMatrix(opts.kernel, 'kernel', formatOf(opts.kernel, opts.format), n, true);
    checkSymmetric(m.data, m.rows, `kernel '${opts.kernel}'`);
    K = m.data;
    rows = m.rows;
  } else {
    const m = await readMatrix(opts.features!, 'features', formatOf(opts.features!, opts.format), n, false);
    K = gramOfFeatures(m.data, m.rows, m.cols);
    rows = m.rows;
  }
  const y = opts.target !== undefined ? await readVector(opts.target, 'target', formatOf(opts.target, opts.targetFormat)) : null;
  const run = await spectrumOfKernel(K, rows, y, opts.mode, window);
  const e = run.estimate;
  const beta = e.beta?.value;
  const out = {
    n: run.n, mode: opts.mode, window: e.alpha.window,
    alpha: e.alpha, beta: e.beta, betaFromModes: e.betaFromModes,
    class: beta === undefined ? null : beta < 1 ? 'hard (β < 1)' : 'easy (β > 1)',
    chiLazy: beta === undefined ? null : timeExponent(beta, 'lazy'),
    chiRich: beta === undefined ? null : timeExponent(beta, 'rich'),
    warnings: e.warnings,
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(jsonSafe(out), null, 2) + '\n');
    return;
  }
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  const lines = [
    `n = ${run.n}, mode ${opts.mode}, window k ∈ [${e.alpha.window.join(', ')}] (${e.alpha.points} modes)`,
    `quantity   estimate   95% interval (regression)   first half / second half of window`,
    `alpha      ${f(e.alpha.value)}     [${f(e.alpha.lower)}, ${f(e.alpha.upper)}]          ${f(e.alpha.halves.early)} / ${f(e.alpha.halves.late)}`,
  ];
  if (e.beta) {
    lines.push(`beta       ${f(e.beta.value)}     [${f(e.beta.lower)}, ${f(e.beta.upper)}]          ${f(e.beta.halves.early)} / ${f(e.beta.halves.late)}`);
    if (e.betaFromModes) {
      const x = e.betaFromModes.modeExponent;
      lines.push(`beta (per-mode power P_k ~ k^${x >= 0 ? '-' : '+'}${f(Math.abs(x))}): ${f(e.betaFromModes.value)}`);
    }
    lines.push(`task: ${out.class}; χ lazy ${f(out.chiLazy!)}, rich ${f(out.chiRich!)} (SPEC 4.1)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  for (const w of e.warnings) process.stderr.write(`richscale: warning: ${w}\n`);
}
