/**
 * `richscale spectrum` inputs: a kernel matrix (n×n) or a feature matrix (rows = samples) and an optional target
 * vector, as CSV/whitespace text or raw little-endian float64 binary. Every problem is one line naming the file
 * and what is wrong (shape, symmetry, NaN, unreadable).
 */
import { readFile, stat } from 'node:fs/promises';
import { nativeMlp } from './bindings.js';
import { estimateSpectrum, modeSpectrum, sortDescending, targetPower, type SpectrumEstimate, type SpectrumMode } from './spectrum.js';

export type InputFormat = 'csv' | 'bin';

export const MAX_INPUT_BYTES = 2 ** 31;
export const MAX_KERNEL_N = 8192;

export class SpectrumInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpectrumInputError';
  }
}

export function formatOf(path: string, given?: string): InputFormat {
  if (given !== undefined) {
    if (given !== 'csv' && given !== 'bin') throw new SpectrumInputError(`--format '${given}' must be 'csv' or 'bin'`);
    return given;
  }
  return /\.(bin|f64|raw)$/i.test(path) ? 'bin' : 'csv';
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new SpectrumInputError(`${what} '${path}' is not a regular file`);
    if (st.size > MAX_INPUT_BYTES) throw new SpectrumInputError(`${what} '${path}' is ${st.size} bytes, more than the limit of 2 GiB`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof SpectrumInputError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new SpectrumInputError(`cannot read ${what} '${path}': ${e.code === 'ENOENT' ? 'no such file' : (e.message ?? String(e)).split('\n')[0]}`);
  }
}

/** Rows of numbers from CSV or whitespace-separated text ('#' comments and blank lines skipped; one header row allowed). */
export function parseNumericText(text: string, what: string): number[][] {
  const rows: number[][] = [];
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[,;\s]+/).filter((c) => c !== '');
    const nums = cells.map((c) => (/^[+-]?(nan|inf|infinity)$/i.test(c) ? (c.toLowerCase().includes('nan') ? NaN : c.startsWith('-') ? -Infinity : Infinity) : Number(c)));
    const bad = nums.findIndex((v, i) => Number.isNaN(v) && !/nan/i.test(cells[i]!));
    if (bad >= 0) {
      if (rows.length === 0 && nums.every((v, i) => Number.isNaN(v) && !/nan/i.test(cells[i]!))) continue; // header
      throw new SpectrumInputError(`${what}: line ${li + 1}, field ${bad + 1}: '${cells[bad]}' is not a number`);
    }
    rows.push(nums);
  }
  return rows;
}

function checkFinite(data: ArrayLike<number>, cols: number, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new SpectrumInputError(`${what}: entry (row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1}) is ${data[i]} (must be finite)`);
    }
  }
}

/** A matrix from a file: CSV rows, or binary float64 with `rows` given (or square when rows is undefined). */
export async function readMatrix(
  path: string, what: string, format: InputFormat, rows: number | undefined, square: boolean,
): Promise<{ data: Float64Array; rows: number; cols: number }> {
  const buf = await readBytes(path, what);
  const label = `${what} '${path}'`;
  if (format === 'bin') {
    if (buf.length % 8 !== 0) throw new SpectrumInputError(`${label}: ${buf.length} bytes is not a whole number of float64 values`);
    const count = buf.length / 8;
    if (count === 0) throw new SpectrumInputError(`${label} is empty`);
    let r: number;
    if (rows !== undefined) r = rows;
    else if (square) {
      r = Math.round(Math.sqrt(count));
      if (r * r !== count) throw new SpectrumInputError(`${label}: ${count} values is not a square matrix (give --n)`);
    } else throw new SpectrumInputError(`${label}: binary features need --n (the number of rows)`);
    if (count % r !== 0) throw new SpectrumInputError(`${label}: ${count} values do not form ${r} rows`);
    const cols = count / r;
    if (square && cols !== r) throw new SpectrumInputError(`${label}: ${count} values is not ${r}×${r} (= ${r * r}) for --n ${r}`);
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = buf.readDoubleLE(8 * i);
    checkFinite(data, cols, label);
    return { data, rows: r, cols };
  }
  const parsed = parseNumericText(buf.toString('utf8'), label);
  if (parsed.length === 0) throw new SpectrumInputError(`${label} has no numeric rows`);
  const cols = parsed[0]!.length;
  const badRow = parsed.findIndex((r) => r.length !== cols);
  if (badRow >= 0) throw new SpectrumInputError(`${label}: row ${badRow + 1} has ${parsed[badRow]!.length} values, row 1 has ${cols}`);
  if (rows !== undefined && parsed.length !== rows) throw new SpectrumInputError(`${label} has ${parsed.length} rows, --n says ${rows}`);
  if (square && parsed.length !== cols) throw new SpectrumInputError(`${label} is ${parsed.length}×${cols}: a kernel must be square`);
  const data = new Float64Array(parsed.length * cols);
  parsed.forEach((r, i) => data.set(r, i * cols));
  checkFinite(data, cols, label);
  return { data, rows: parsed.length, cols };
}

/** A vector: CSV/text (one value per line or one row) or binary float64. */
export async function readVector(path: string, what: string, format: InputFormat): Promise<Float64Array> {
  const m = await readMatrix(path, what, format, format === 'bin' ? undefined : undefined, false).catch(async (err) => {
    if (format === 'bin' && err instanceof SpectrumInputError && /need --n/.test(err.message)) {
      const buf = await readBytes(path, what);
      if (buf.length % 8 !== 0 || buf.length === 0) throw new SpectrumInputError(`${what} '${path}': ${buf.length} bytes is not a non-empty whole number of float64 values`);
      const v = new Float64Array(buf.length / 8);
      for (let i = 0; i < v.length; i++) v[i] = buf.readDoubleLE(8 * i);
      checkFinite(v, 1, `${what} '${path}'`);
      return { data: v, rows: v.length, cols: 1 };
    }
    throw err;
  });
  if (m.rows !== 1 && m.cols !== 1) throw new SpectrumInputError(`${what} '${path}' is ${m.rows}×${m.cols}: a target must be a single row or column`);
  return m.data;
}

/** Largest |K_ij − K_ji| relative to max |K|; throws when above tol. */
export function checkSymmetric(K: Float64Array, n: number, label: string, tol = 1e-8): void {
  let maxAbs = 0;
  for (let i = 0; i < K.length; i++) maxAbs = Math.max(maxAbs, Math.abs(K[i]!));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.abs(K[i * n + j]! - K[j * n + i]!);
      if (d > tol * Math.max(maxAbs, 1e-300)) {
        throw new SpectrumInputError(`${label} is not symmetric: K[${i + 1},${j + 1}] = ${K[i * n + j]} but K[${j + 1},${i + 1}] = ${K[j * n + i]} (relative tolerance ${tol})`);
      }
    }
  }
  // Symmetrise exactly (the eigensolver reads one triangle).
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) K[i * n + j] = K[j * n + i] = 0.5 * (K[i * n + j]! + K[j * n + i]!);
}

/** K = F Fᵀ for features F (n×p, rows = samples). */
export function gramOfFeatures(F: Float64Array, n: number, p: number): Float64Array {
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < p; c++) s += F[i * p + c]! * F[j * p + c]!;
      K[i * n + j] = s;
      K[j * n + i] = s;
    }
  }
  return K;
}

export interface SpectrumRun {
  n: number;
  estimate: SpectrumEstimate;
  /** Operator eigenvalues (Gram eigenvalues / n), descending. */
  lambda: Float64Array;
}

/** Relative residual |K·1 − c·1| / |K·1| below which the constant vector counts as an eigenvector of K. */
export const CONSTANT_MODE_TOLERANCE = 1e-6;

/**
 * Circle mode pairs ranks 2k−1, 2k after the constant mode at rank 0, but a kernel without (or with a small) constant
 * term has its constant eigenvalue elsewhere in the order, possibly degenerate with another mode (e.g. 0 = the
 * Nyquist frequency's). So: check that the constant vector u = 1/√n is an eigenvector of K (else the kernel is not
 * rotation invariant on equispaced points: refuse), put u at rank 0 with its eigenvalue uᵀKu, drop the eigenvector
 * of that eigenvalue it replaces, and re-orthogonalise the rest of that eigenvalue's (degenerate) cluster against u.
 */
export function constantFirst(K: Float64Array, values: Float64Array, vectors: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const k1 = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) { let r = 0; for (let j = 0; j < n; j++) r += K[i * n + j]!; k1[i] = r; total += r; }
  const c = total / n; // K·1 = c·1 when 1 is an eigenvector; its unit-vector eigenvalue uᵀKu is c as well
  let res = 0, norm = 0;
  for (let i = 0; i < n; i++) { res += (k1[i]! - c) ** 2; norm += k1[i]! ** 2; }
  const scale = Math.max(Math.sqrt(norm), Math.abs(values[0]!) * Math.sqrt(n));
  if (Math.sqrt(res) > CONSTANT_MODE_TOLERANCE * scale) {
    throw new SpectrumInputError(`--mode circle needs a rotation-invariant kernel on equispaced points of the circle (the constant vector ` +
      `must be an eigenvector; |K·1 − c·1|/|K·1| = ${(Math.sqrt(res) / scale).toExponential(2)}): use --mode rank`);
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (Math.abs(values[i]! - c) < Math.abs(values[best]! - c)) best = i;
  const tol = 1e-9 * Math.max(...Array.from(values, Math.abs));
  const cluster = Array.from({ length: n }, (_, i) => i).filter((i) => i !== best && Math.abs(values[i]! - values[best]!) <= tol);
  const order = [best, ...Array.from({ length: n }, (_, i) => i).filter((i) => i !== best)];
  const v = new Float64Array(n);
  const V = new Float64Array(n * n);
  order.forEach((src, dst) => { v[dst] = values[src]!; V.set(vectors.subarray(src * n, src * n + n), dst * n); });
  v[0] = c;
  V.fill(1 / Math.sqrt(n), 0, n);
  // Modified Gram–Schmidt of the cluster's other vectors against u (and each other): they span the rest of the eigenspace.
  const rows = cluster.map((src) => order.indexOf(src));
  rows.forEach((r, m) => {
    for (const q of [0, ...rows.slice(0, m)]) {
      let d = 0;
      for (let j = 0; j < n; j++) d += V[r * n + j]! * V[q * n + j]!;
      for (let j = 0; j < n; j++) V[r * n + j] = V[r * n + j]! - d * V[q * n + j]!;
    }
    let nn = 0;
    for (let j = 0; j < n; j++) nn += V[r * n + j]! ** 2;
    const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
    for (let j = 0; j < n; j++) V[r * n + j] = V[r * n + j]! * inv;
  });
  return { values: v, vectors: V };
}

/** Eigendecompose (native LAPACK dsyevd), scale by 1/n, and estimate (α, β). */
export async function spectrumOfKernel(
  K: Float64Array, n: number, y: Float64Array | null, mode: SpectrumMode, window?: [number, number],
): Promise<SpectrumRun> {
  if (y && y.length !== n) throw new SpectrumInputError(`the target has ${y.length} values but the kernel has n = ${n} rows`);
  if (n < 8) throw new SpectrumInputError(`n = ${n} points is too few for a spectrum fit (need at least 8)`);
  if (n > MAX_KERNEL_N) throw new SpectrumInputError(`n = ${n} is more than the limit of ${MAX_KERNEL_N} points`);
  const eig = await nativeMlp.symmetricEigen({ matrix: K, n }).promise;
  const sorted = sortDescending(eig.values, eig.vectors, n);
  const { values, vectors } = mode === 'circle' ? constantFirst(K, sorted.values, sorted.vectors, n) : sorted;
  const lambda = values.map((v) => v / n);
  const power = y ? targetPower(vectors, y, n, n) : new Float64Array(0);
  const spec = modeSpectrum(lambda, power, mode);
  if (window && window[1] > spec.k[spec.k.length - 1]!) {
    throw new SpectrumInputError(`window ${window[0]}:${window[1]} goes past the last mode k = ${spec.k[spec.k.length - 1]}`);
  }
  return { n, estimate: estimateSpectrum(spec, window), lambda };
}
