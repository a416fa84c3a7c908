/**
 * Reading loss curves for `richscale fit`: richscale's curve.csv (gamma,N,step,loss_mean,loss_std,loss_stderr
 * [,seed_0..]) or any user CSV (header row, comma separated, optional double quotes) or JSON (an array of row
 * objects, or an object of equal-length column arrays). Columns are chosen by name; every problem is one line.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** A table of named columns; cells are numbers (NaN for empty/non-numeric) and the raw text for messages. */
export interface Table {
  columns: string[];
  rows: number;
  num: Map<string, Float64Array>;
  raw: Map<string, string[]>;
  source: string;
}

export class CurveInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CurveInputError';
  }
}

function parseCell(s: string): number {
  const v = s.trim().toLowerCase();
  if (v === '') return NaN;
  if (v === 'inf' || v === '+inf' || v === 'infinity') return Infinity;
  if (v === '-inf' || v === '-infinity') return -Infinity;
  if (v === 'nan') return NaN;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/.test(v)) return NaN;
  return Number(v);
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim());
}

function fromColumns(columns: string[], cells: string[][], source: string): Table {
  const num = new Map<string, Float64Array>();
  const raw = new Map<string, string[]>();
  columns.forEach((c, j) => {
    const r = cells.map((row) => row[j] ?? '');
    raw.set(c, r);
    num.set(c, Float64Array.from(r, parseCell));
  });
  return { columns, rows: cells.length, num, raw, source };
}

export function parseCsv(text: string, source: string): Table {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new CurveInputError(`${source} is empty`);
  const columns = splitCsvLine(lines[0]!);
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new CurveInputError(`${source}: column '${dup}' appears twice in the header`);
  const cells: string[][] = [];
  for (let k = 1; k < lines.length; k++) {
    const row = splitCsvLine(lines[k]!);
    if (row.length !== columns.length) {
      throw new CurveInputError(`${source}: line ${k + 1} has ${row.length} fields, the header has ${columns.length}`);
    }
    cells.push(row);
  }
  return fromColumns(columns, cells, source);
}

export function parseJson(text: string, source: string): Table {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CurveInputError(`${source} is not valid JSON (${(err as Error).message})`);
  }
  const cellText = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' || typeof v === 'string' ? String(v) : JSON.stringify(v));
  if (Array.isArray(data)) {
    const columns: string[] = [];
    for (const [i, row] of data.entries()) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new CurveInputError(`${source}: element ${i} is not an object`);
      for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
    }
    const cells = data.map((row: Record<string, unknown>) => columns.map((c) => cellText(row[c])));
    return fromColumns(columns, cells, source);
  }
  if (data !== null && typeof data === 'object') {
    const obj = data as Record<string, unknown>;
    const columns = Object.keys(obj);
    let rows = -1;
    for (const c of columns) {
      const v = obj[c];
      if (!Array.isArray(v)) throw new CurveInputError(`${source}: '${c}' is not an array (expected an object of column arrays)`);
      if (rows >= 0 && v.length !== rows) throw new CurveInputError(`${source}: column '${c}' has ${v.length} values, others have ${rows}`);
      rows = v.length;
    }
    const cells = Array.from({ length: Math.max(rows, 0) }, (_, i) => columns.map((c) => cellText((obj[c] as unknown[])[i])));
    return fromColumns(columns, cells, source);
  }
  throw new CurveInputError(`${source}: expected an array of row objects or an object of column arrays`);
}

/** Curve files larger than this are refused (a device such as /dev/zero would otherwise be read until memory runs out). */
export const MAX_CURVE_FILE_BYTES = 256 * 2 ** 20;

/** The file's text, refused beyond `max` bytes without reading further. */
function readBoundedSync(path: string, max: number): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(4 << 20, max + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return Buffer.concat(chunks).toString('utf8');
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > max) throw new CurveInputError(`${path} is larger than ${max / 2 ** 20} MiB: not a curve file richscale can read`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Read a CSV or JSON file (JSON if the name ends in .json or the text starts with '[' or '{'). */
export function readTable(path: string): Table {
  let text: string;
  try {
    text = readBoundedSync(path, MAX_CURVE_FILE_BYTES);
  } catch (err) {
    if (err instanceof CurveInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CurveInputError(code === 'ENOENT' ? `cannot read ${path}: no such file` : `cannot read ${path}: ${(err as Error).message}`);
  }
  const head = text.trimStart()[0];
  return path.toLowerCase().endsWith('.json') || head === '[' || head === '{' ? parseJson(text, path) : parseCsv(text, path);
}

export interface CurveSpec {
  tCol: string;
  lossCol: string;
  /** Columns whose values define separate curves ([] = one curve). */
  groupCols: string[];
  /** Per-seed loss columns (names matching), or null. */
  seedCols: RegExp | null;
  /** Standard-error column, or null. */
  stderrCol: string | null;
}

/** One curve: points sorted by t, t > 0 (rows with t ≤ 0, e.g. step 0, are skipped). */
export interface Curve {
  /** Group values by column, as written in the file. */
  key: Record<string, string>;
  label: string;
  t: Float64Array;
  loss: Float64Array;
  stderr: Float64Array | null;
  /** seeds[s][i]: seed s at point i. */
  seeds: Float64Array[];
  seedNames: string[];
  /** Row numbers in the file (1 = first data row) of each point. */
  rowOf: number[];
  skippedNonPositiveT: number;
}

function requireColumn(table: Table, name: string, what: string): Float64Array {
  const col = table.num.get(name);
  if (!col) {
    throw new CurveInputError(`${table.source}: no ${what} column '${name}' (columns: ${table.columns.join(', ')})`);
  }
  return col;
}

/** Split a table into curves, checking every value that will be used. */
export function extractCurves(table: Table, spec: CurveSpec): Curve[] {
  if (table.rows === 0) throw new CurveInputError(`${table.source} has no data rows`);
  const t = requireColumn(table, spec.tCol, 'time (--t-col)');
  const L = requireColumn(table, spec.lossCol, 'loss (--loss-col)');
  let se = spec.stderrCol ? requireColumn(table, spec.stderrCol, 'standard-error (--stderr-col)') : null;
  // A single-seed curve.csv leaves its std/stderr fields empty (undefined spread): no standard errors then.
  if (se && table.raw.get(spec.stderrCol!)!.every((v) => v.trim() === '')) se = null;
  for (const g of spec.groupCols) requireColumn(table, g, 'group (--group-col)');
  const seedNames = spec.seedCols ? table.columns.filter((c) => spec.seedCols!.test(c)) : [];
  const seedCols = seedNames.map((c) => table.num.get(c)!);
  const rawT = table.raw.get(spec.tCol)!;
  const rawL = table.raw.get(spec.lossCol)!;

  const groups = new Map<string, number[]>();
  for (let r = 0; r < table.rows; r++) {
    const key = spec.groupCols.map((g) => table.raw.get(g)![r]!).join('\u0000');
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const curves: Curve[] = [];
  for (const rows of groups.values()) {
    const r0 = rows[0]!;
    const key: Record<string, string> = {};
    for (const g of spec.groupCols) key[g] = table.raw.get(g)![r0]!;
    const label = spec.groupCols.length ? spec.groupCols.map((g) => `${g}=${key[g]}`).join(' ') : 'all';
    const kept: number[] = [];
    let skipped = 0;
    for (const r of rows) {
      const tv = t[r]!;
      if (!Number.isFinite(tv)) throw new CurveInputError(`${table.source}: row ${r + 1}: ${spec.tCol} = '${rawT[r]}' is not a finite number`);
      if (tv <= 0) { skipped++; continue; }
      const lv = L[r]!;
      if (!Number.isFinite(lv)) throw new CurveInputError(`${table.source}: row ${r + 1}: ${spec.lossCol} = '${rawL[r]}' is not a finite number`);
      if (lv <= 0) throw new CurveInputError(`${table.source}: row ${r + 1}: ${spec.lossCol} = ${lv} is not positive (losses are fitted on a log scale)`);
      if (se) {
        const sv = se[r]!;
        // (se is null when the whole column is empty)
        if (!Number.isFinite(sv) || sv < 0) throw new CurveInputError(`${table.source}: row ${r + 1}: ${spec.stderrCol} = '${table.raw.get(spec.stderrCol!)![r]}' is not a non-negative number`);
      }
      kept.push(r);
    }
    kept.sort((a, b) => t[a]! - t[b]!);
    for (let k = 1; k < kept.length; k++) {
      if (t[kept[k]!] === t[kept[k - 1]!]) {
        throw new CurveInputError(`${table.source}: ${label}: ${spec.tCol} = ${t[kept[k]!]} appears twice (add a --group-col?)`);
      }
    }
    const pick = (col: Float64Array): Float64Array => Float64Array.from(kept, (r) => col[r]!);
    curves.push({
      key, label, t: pick(t), loss: pick(L), stderr: se ? pick(se) : null,
      seeds: seedCols.map(pick), seedNames, rowOf: kept.map((r) => r + 1), skippedNonPositiveT: skipped,
    });
  }
  return curves;
}
