/**
 * Headless SVG line-plot renderer with log or linear axes (no DOM, no dependencies).
 *
 * Pipeline: `computeLayout(spec)` prepares the drawable data (thinning long series to about 2000 points,
 * dropping points a log axis cannot show), picks the axis domains, ticks and plot box, and places the
 * legend; `renderSvg(spec)` turns that layout into an SVG document. Every coordinate written is finite by
 * construction.
 */
import { thinSeries } from './thin.js';
import type { NumericArray, PlotSpec, Series } from './types.js';

export const FONT_FAMILY = 'DejaVu Sans, Arial, Helvetica, sans-serif';
/** Okabe-Ito colour-blind-safe palette, ordered for lines on white (yellow last). */
export const PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
  '#F0E442', // yellow
];
export const NO_DATA_NOTE = 'no positive data';
export const DEFAULT_WIDTH = 800;
export const DEFAULT_HEIGHT = 560;

const TICK_FONT = 13;
const LABEL_FONT = 15;
const TITLE_FONT = 16;
const LEGEND_FONT = 13;
const NOTE_FONT = 11;
const MAJOR_TICK = 6;
const MINOR_TICK = 3.5;
const LINE_WIDTH = 2;
const BAND_OPACITY = 0.2;
const DASH = '7 4';
/** Bands may widen the autoscaled y range by at most this factor (log axes) beyond the central values. */
const BAND_LOG_SLACK = Math.sqrt(10);

// ---------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------

/** Escape text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const SUPERSCRIPT: Readonly<Record<string, string>> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻', '+': '⁺',
};

/** Unicode superscript form of an integer, e.g. -12 → "⁻¹²". */
export function superscript(n: number): string {
  return [...String(Math.trunc(n))].map((c) => SUPERSCRIPT[c] ?? c).join('');
}

/** Exactly rounded m·10^k (Math.pow(10, -5) is not). */
function mTimesPow10(m: number, k: number): number {
  return Number(`${m}e${k}`);
}

/** Short decimal label with a typographic minus sign. */
export function formatDecimal(v: number): string {
  if (v === 0) return '0';
  const s = String(Number(v.toPrecision(10)));
  return s.replace('-', '−');
}

/** "10ᵏ" for m = 1, otherwise "m×10ᵏ". */
function formatPow10(m: number, k: number): string {
  return m === 1 ? `10${superscript(k)}` : `${m}×10${superscript(k)}`;
}

/** Rough advance width of `s` in DejaVu Sans at `size` px (used only for layout). */
export function textWidth(s: string, size: number): number {
  let em = 0;
  for (const c of s) {
    if ('ilj.,:;|!\'`'.includes(c)) em += 0.3;
    else if (c === ' ') em += 0.32;
    else if ('⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺'.includes(c)) em += 0.42;
    else if ('MWmw@%'.includes(c)) em += 0.9;
    else if (/[A-Z]/.test(c)) em += 0.72;
    else em += 0.62;
  }
  return em * size;
}

// ---------------------------------------------------------------------------------------------
// Ticks and domains
// ---------------------------------------------------------------------------------------------

export interface Tick {
  value: number;
  /** Empty when the label was thinned out to avoid crowding. */
  label: string;
}

export interface AxisTicks {
  /** Long, labelled ticks (powers of ten on a log axis spanning ≥ 1 decade). */
  major: Tick[];
  /** Short, unlabelled ticks (2..9 × 10^k on a log axis). */
  minor: number[];
}

const LOG_EPS = 1e-9;

/**
 * Ticks of a log axis over [min, max] (0 < min ≤ max). Major ticks sit at the powers of ten inside
 * the range, minor ticks at 2..9 × 10^k. When the range spans less than one decade (or holds fewer
 * than two powers of ten), 1, 2, 5 × 10^k become labelled major ticks too, falling back to linear
 * ticks if that still gives fewer than two.
 */
export function logTicks(min: number, max: number, maxLabels = 10): AxisTicks {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) {
    throw new RangeError(`logTicks: need 0 < min <= max < Infinity, got [${min}, ${max}]`);
  }
  const lo = Math.log10(min) - LOG_EPS;
  const hi = Math.log10(max) + LOG_EPS;
  const kMin = Math.floor(lo);
  const kMax = Math.ceil(hi);
  const inside = (v: number): boolean => {
    const l = Math.log10(v);
    return l >= lo && l <= hi;
  };
  const decades = hi - lo;
  const powers: number[] = [];
  for (let k = kMin; k <= kMax; k++) if (inside(mTimesPow10(1, k))) powers.push(k);

  if (decades >= 1 && powers.length >= 2) {
    const stride = Math.max(1, Math.ceil(powers.length / maxLabels));
    const major = powers.map((k) => ({ value: mTimesPow10(1, k), label: k % stride === 0 ? formatPow10(1, k) : '' }));
    const minor: number[] = [];
    if (decades <= 16) {
      for (let k = kMin; k <= kMax; k++) {
        for (let m = 2; m <= 9; m++) {
          const v = mTimesPow10(m, k);
          if (inside(v)) minor.push(v);
        }
      }
    }
    return { major, minor };
  }

  // Less than one decade (or a single power of ten in range): 1, 2, 5 × 10^k are labelled.
  const picks: Array<{ m: number; k: number; value: number }> = [];
  const minor: number[] = [];
  for (let k = kMin; k <= kMax; k++) {
    for (let m = 1; m <= 9; m++) {
      const v = mTimesPow10(m, k);
      if (!inside(v)) continue;
      if (m === 1 || m === 2 || m === 5) picks.push({ m, k, value: v });
      else minor.push(v);
    }
  }
  if (picks.length < 2) {
    const lin = linearTicks(min, max);
    const majorValues = new Set(lin.major.map((t) => t.value));
    const minorAll = [...minor, ...picks.map((p) => p.value)].filter((v) => !majorValues.has(v));
    return { major: lin.major, minor: minorAll.sort((a, b) => a - b) };
  }
  const decimal = picks.every((p) => p.value >= 1e-3 && p.value < 1e4);
  return {
    major: picks.map((p) => ({ value: p.value, label: decimal ? formatDecimal(p.value) : formatPow10(p.m, p.k) })),
    minor,
  };
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) close to `raw`. */
function niceStep(raw: number): number {
  const k = Math.floor(Math.log10(raw));
  const f = raw / mTimesPow10(1, k);
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return mTimesPow10(m, k);
}

/** Ticks of a linear axis over [min, max] (min < max), about `target` labelled ones. */
export function linearTicks(min: number, max: number, target = 6): AxisTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new RangeError(`linearTicks: need finite min < max, got [${min}, ${max}]`);
  }
  const step = niceStep((max - min) / target);
  const i0 = Math.ceil(min / step - 1e-9);
  const i1 = Math.floor(max / step + 1e-9);
  const major: Tick[] = [];
  for (let i = i0; i <= i1; i++) {
    const v = Number((i * step).toPrecision(12));
    major.push({ value: v, label: formatDecimal(v) });
  }
  return { major, minor: [] };
}

/** Largest m·10^k (m = 1..9) ≤ v. */
function snapDown(v: number): number {
  let k = Math.floor(Math.log10(v) + 1e-12);
  let m = Math.floor(v / mTimesPow10(1, k) + 1e-9);
  if (m < 1) {
    k -= 1;
    m = 9;
  }
  m = Math.min(m, 9);
  let c = mTimesPow10(m, k);
  if (c > v * (1 + 1e-9)) c = m > 1 ? mTimesPow10(m - 1, k) : mTimesPow10(9, k - 1);
  return c;
}

/** Smallest m·10^k (m = 1..10) ≥ v. */
function snapUp(v: number): number {
  const k = Math.floor(Math.log10(v) + 1e-12);
  const m = Math.max(1, Math.ceil(v / mTimesPow10(1, k) - 1e-9));
  let c = m >= 10 ? mTimesPow10(1, k + 1) : mTimesPow10(m, k);
  if (c < v * (1 - 1e-9)) c = m + 1 >= 10 ? mTimesPow10(1, k + 1) : mTimesPow10(m + 1, k);
  return c;
}

/**
 * Axis range of a log axis for positive data in [min, max]: each end snaps outward to the nearest
 * m·10^k when that costs at most 10 % of the span (so 1..1e4 stays exactly 1..1e4), else it is
 * padded by 3 % of the span (in decades). A single value gets half a decade either side.
 */
export function logDomain(min: number, max: number): [number, number] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) {
    throw new RangeError(`logDomain: need 0 < min <= max < Infinity, got [${min}, ${max}]`);
  }
  const span = Math.log10(max / min);
  if (span < 1e-9) return [min / BAND_LOG_SLACK, max * BAND_LOG_SLACK];
  const lo = snapDown(min);
  const hi = snapUp(max);
  const dLo = Math.log10(min / lo) <= 0.1 * span ? lo : min / Math.pow(10, 0.03 * span);
  const dHi = Math.log10(hi / max) <= 0.1 * span ? hi : max * Math.pow(10, 0.03 * span);
  return [dLo, dHi];
}

/** Axis range of a linear axis: outward to multiples of a nice step. */
export function linearDomain(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new RangeError(`linearDomain: need finite min <= max, got [${min}, ${max}]`);
  }
  if (max === min) {
    const pad = Math.max(Math.abs(min) * 0.1, 1);
    return [min - pad, max + pad];
  }
  const step = niceStep((max - min) / 6);
  return [Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step];
}

// ---------------------------------------------------------------------------------------------
// Scales
// ---------------------------------------------------------------------------------------------

export interface Scale {
  log: boolean;
  domain: readonly [number, number];
  /** Pixel positions of domain[0] and domain[1] (for y, range[0] is the bottom). */
  range: readonly [number, number];
  map(v: number): number;
  /** Whether v can be drawn on this axis (finite, and positive for a log axis). */
  accepts(v: number): boolean;
}

export function makeScale(log: boolean, domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const f = log ? Math.log10 : (v: number) => v;
  const f0 = f(d0);
  const span = f(d1) - f0;
  if (!Number.isFinite(f0) || !Number.isFinite(span) || span <= 0) {
    throw new RangeError(`makeScale: bad ${log ? 'log' : 'linear'} domain [${d0}, ${d1}]`);
  }
  return {
    log,
    domain: [d0, d1],
    range: [r0, r1],
    map: (v: number) => r0 + ((f(v) - f0) / span) * (r1 - r0),
    accepts: (v: number) => Number.isFinite(v) && (!log || v > 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Data preparation
// ---------------------------------------------------------------------------------------------

/** A band vertex; lo = -Infinity means "below the axis" (clipped to the bottom). */
interface BandPoint {
  x: number;
  lo: number;
  hi: number;
}

export interface PreparedSeries {
  index: number;
  label: string;
  color: string;
  dashed: boolean;
  /** Runs of consecutive drawable (x, y) points in data coordinates. */
  segments: Array<Array<[number, number]>>;
  /** Runs of consecutive drawable band vertices, or null when the series has no band. */
  band: BandPoint[][] | null;
  hasData: boolean;
}

function checkLength(name: string, arr: NumericArray, n: number, label: string): void {
  if (arr.length !== n) {
    throw new RangeError(`series "${label}": ${name} has length ${arr.length}, x has length ${n}`);
  }
}

function prepareSeries(spec: PlotSpec): PreparedSeries[] {
  const okX = (v: number): boolean => Number.isFinite(v) && (!spec.logX || v > 0);
  const okY = (v: number): boolean => Number.isFinite(v) && (!spec.logY || v > 0);
  let auto = 0;
  return spec.series.map((raw: Series, index) => {
    checkLength('y', raw.y, raw.x.length, raw.label);
    if (raw.lower !== undefined && raw.upper !== undefined) {
      checkLength('lower', raw.lower, raw.x.length, raw.label);
      checkLength('upper', raw.upper, raw.x.length, raw.label);
    }
    // At most about MAX_PLOT_POINTS points per series are drawn (lib/plot/thin.ts).
    const s = thinSeries(raw, spec.logX, spec.logY);
    const n = s.x.length;
    const segments: Array<Array<[number, number]>> = [];
    let run: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const x = s.x[i] ?? NaN;
      const y = s.y[i] ?? NaN;
      if (okX(x) && okY(y)) run.push([x, y]);
      else if (run.length > 0) {
        segments.push(run);
        run = [];
      }
    }
    if (run.length > 0) segments.push(run);

    let band: BandPoint[][] | null = null;
    if (s.lower !== undefined && s.upper !== undefined) {
      checkLength('lower', s.lower, n, s.label);
      checkLength('upper', s.upper, n, s.label);
      band = [];
      let brun: BandPoint[] = [];
      for (let i = 0; i < n; i++) {
        const x = s.x[i] ?? NaN;
        let lo = s.lower[i] ?? NaN;
        let hi = s.upper[i] ?? NaN;
        if (hi < lo) [lo, hi] = [hi, lo];
        // On a log axis a non-positive lower edge means "below everything": clip to the axis bottom.
        const loOk = Number.isFinite(lo);
        if (okX(x) && okY(hi) && loOk) brun.push({ x, lo: okY(lo) ? lo : -Infinity, hi });
        else if (brun.length > 0) {
          band.push(brun);
          brun = [];
        }
      }
      if (brun.length > 0) band.push(brun);
      band = band.filter((r) => r.length >= 2);
    }

    const color = s.color !== undefined && s.color.trim() !== '' ? s.color : (PALETTE[auto++ % PALETTE.length] ?? '#000000');
    return {
      index,
      label: s.label,
      color,
      dashed: s.dashed === true,
      segments,
      band,
      hasData: segments.length > 0,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Axis {
  scale: Scale;
  ticks: AxisTicks;
}

export type LegendPlacement = 'upper right' | 'lower left' | 'upper left' | 'lower right' | 'outside right';

export interface LegendLayout {
  placement: LegendPlacement;
  x: number;
  y: number;
  width: number;
  height: number;
  rowHeight: number;
  noteHeight: number;
}

export interface PlotLayout {
  width: number;
  height: number;
  box: Box;
  x: Axis;
  y: Axis;
  series: PreparedSeries[];
  legend: LegendLayout | null;
  /** Notes shown under the legend entries (spec notes plus "no positive data" notes). */
  notes: string[];
  /** True when no series has a single drawable point. */
  empty: boolean;
}

function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function* xValues(series: PreparedSeries[]): Generator<number> {
  for (const s of series) {
    for (const seg of s.segments) for (const p of seg) yield p[0];
    for (const run of s.band ?? []) for (const p of run) yield p.x;
  }
}

function yRange(series: PreparedSeries[], logY: boolean): [number, number] | null {
  const central = extent(
    (function* () {
      for (const s of series) for (const seg of s.segments) for (const p of seg) yield p[1];
    })(),
  );
  const band = extent(
    (function* () {
      for (const s of series) {
        for (const run of s.band ?? []) {
          for (const p of run) {
            yield p.hi;
            if (Number.isFinite(p.lo)) yield p.lo;
          }
        }
      }
    })(),
  );
  if (central === null) return band;
  if (band === null) return central;
  if (logY) {
    // A band (e.g. mean - stderr close to 0) must not blow the axis up by many decades.
    return [
      Math.min(central[0], Math.max(band[0], central[0] / BAND_LOG_SLACK)),
      Math.max(central[1], Math.min(band[1], central[1] * BAND_LOG_SLACK)),
    ];
  }
  const pad = (central[1] - central[0] || Math.abs(central[0]) || 1) * 0.5;
  return [Math.min(central[0], Math.max(band[0], central[0] - pad)), Math.max(central[1], Math.min(band[1], central[1] + pad))];
}

function domainFor(log: boolean, ext: [number, number] | null): [number, number] {
  if (ext === null) return log ? [1, 10] : [0, 1];
  return log ? logDomain(ext[0], ext[1]) : linearDomain(ext[0], ext[1]);
}

function ticksFor(log: boolean, domain: [number, number], maxLabels: number): AxisTicks {
  return log ? logTicks(domain[0], domain[1], maxLabels) : linearTicks(domain[0], domain[1]);
}

function finiteOr(v: number | undefined, fallback: number, min: number): number {
  return v !== undefined && Number.isFinite(v) && v >= min ? v : fallback;
}

/** Does the (inflated) rectangle meet any drawn line or band? Sampled in pixel space. */
function legendHits(r: Box, series: PreparedSeries[], x: Scale, y: Scale): boolean {
  const pad = 4;
  const x0 = r.left - pad;
  const x1 = r.left + r.width + pad;
  const y0 = r.top - pad;
  const y1 = r.top + r.height + pad;
  const inRect = (px: number, py: number): boolean => px >= x0 && px <= x1 && py >= y0 && py <= y1;
  const bottom = y.range[0];
  const mapLo = (v: number): number => (Number.isFinite(v) ? y.map(v) : bottom);
  for (const s of series) {
    for (const seg of s.segments) {
      for (let i = 0; i < seg.length; i++) {
        const p = seg[i] as [number, number];
        const q = seg[i + 1] ?? p;
        const ax = x.map(p[0]);
        const ay = y.map(p[1]);
        const bx = x.map(q[0]);
        const by = y.map(q[1]);
        const n = Math.min(2000, Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 3)));
        for (let j = 0; j <= n; j++) {
          const t = j / n;
          if (inRect(ax + t * (bx - ax), ay + t * (by - ay))) return true;
        }
      }
    }
    for (const run of s.band ?? []) {
      for (let i = 0; i + 1 < run.length; i++) {
        const p = run[i] as BandPoint;
        const q = run[i + 1] as BandPoint;
        const ax = x.map(p.x);
        const bx = x.map(q.x);
        const aHi = y.map(p.hi);
        const bHi = y.map(q.hi);
        const aLo = mapLo(p.lo);
        const bLo = mapLo(q.lo);
        const n = Math.min(2000, Math.max(1, Math.ceil(Math.abs(bx - ax) / 3)));
        for (let j = 0; j <= n; j++) {
          const t = j / n;
          const px = ax + t * (bx - ax);
          if (px < x0 || px > x1) continue;
          const top = aHi + t * (bHi - aHi);
          const bot = aLo + t * (bLo - aLo);
          if (Math.min(top, bot) <= y1 && Math.max(top, bot) >= y0) return true;
        }
      }
    }
  }
  return false;
}

export function computeLayout(spec: PlotSpec): PlotLayout {
  const width = finiteOr(spec.width, DEFAULT_WIDTH, 200);
  const height = finiteOr(spec.height, DEFAULT_HEIGHT, 150);
  const series = prepareSeries(spec);
  const empty = series.every((s) => !s.hasData) && (spec.regions ?? []).length === 0;

  const xDomain = spec.xDomain ? ([...spec.xDomain] as [number, number]) : domainFor(spec.logX, extent(xValues(series)));
  const yDomain = spec.yDomain ? ([...spec.yDomain] as [number, number]) : domainFor(spec.logY, yRange(series, spec.logY));
  const xTicks = ticksFor(spec.logX, xDomain, Math.max(3, Math.floor(width / 70)));
  const yTicks = ticksFor(spec.logY, yDomain, Math.max(3, Math.floor(height / 45)));

  // Margins from the text that has to fit around the plot box.
  const yLabelW = Math.max(0, ...yTicks.major.map((t) => textWidth(t.label, TICK_FONT)));
  const lastX = xTicks.major[xTicks.major.length - 1]?.label ?? '';
  const left = 12 + LABEL_FONT + 10 + yLabelW + 4 + MAJOR_TICK;
  const top = spec.title.trim() !== '' ? 20 + TITLE_FONT + 8 : 16;
  const bottom = MAJOR_TICK + 4 + TICK_FONT + 10 + LABEL_FONT + 12;
  const rightBase = Math.max(20, textWidth(lastX, TICK_FONT) / 2 + 8);

  // Legend contents and size.
  const notes = [
    ...series.filter((s) => !s.hasData).map((s) => (s.label.trim() !== '' ? `${s.label}: ${NO_DATA_NOTE}` : NO_DATA_NOTE)),
    ...(spec.notes ?? []),
  ];
  const rowHeight = LEGEND_FONT + 7;
  const noteHeight = NOTE_FONT + 4;
  const legendPad = 8;
  const swatch = 28;
  let legend: LegendLayout | null = null;
  let legendW = 0;
  let legendH = 0;
  if (series.length > 0 || notes.length > 0) {
    const entryW = Math.max(0, ...series.map((s) => swatch + 8 + textWidth(s.label, LEGEND_FONT)));
    const noteW = Math.max(0, ...notes.map((n) => textWidth(n, NOTE_FONT)));
    legendW = Math.ceil(Math.max(entryW, noteW) + 2 * legendPad);
    legendH = Math.ceil(series.length * rowHeight + (notes.length > 0 ? 4 + notes.length * noteHeight : 0) + 2 * legendPad - 4);
  }

  const makeBox = (right: number): Box => ({
    left,
    top,
    width: Math.max(40, width - left - right),
    height: Math.max(40, height - top - bottom),
  });
  const makeAxes = (b: Box): { x: Axis; y: Axis } => ({
    x: { scale: makeScale(spec.logX, xDomain, [b.left, b.left + b.width]), ticks: xTicks },
    y: { scale: makeScale(spec.logY, yDomain, [b.top + b.height, b.top]), ticks: yTicks },
  });

  let box = makeBox(rightBase);
  let axes = makeAxes(box);
  if (legendW > 0) {
    const inset = 10;
    const fits = legendW + 2 * inset <= box.width && legendH + 2 * inset <= box.height;
    const corners: Array<[LegendPlacement, number, number]> = [
      ['upper right', box.left + box.width - inset - legendW, box.top + inset],
      ['lower left', box.left + inset, box.top + box.height - inset - legendH],
      ['upper left', box.left + inset, box.top + inset],
      ['lower right', box.left + box.width - inset - legendW, box.top + box.height - inset - legendH],
    ];
    const free = !fits
      ? undefined
      : corners.find(
          ([, lx, ly]) =>
            !legendHits({ left: lx, top: ly, width: legendW, height: legendH }, series, axes.x.scale, axes.y.scale) &&
            // keep the centred "no positive data" message readable
            !(empty && lx < box.left + box.width / 2 + 70 && lx + legendW > box.left + box.width / 2 - 70 &&
              ly < box.top + box.height / 2 + 12 && ly + legendH > box.top + box.height / 2 - 12),
        );
    if (free !== undefined) {
      legend = { placement: free[0], x: free[1], y: free[2], width: legendW, height: legendH, rowHeight, noteHeight };
    } else {
      box = makeBox(legendW + 24);
      axes = makeAxes(box);
      legend = {
        placement: 'outside right',
        x: box.left + box.width + 14,
        y: box.top,
        width: legendW,
        height: legendH,
        rowHeight,
        noteHeight,
      };
    }
  }

  return { width, height, box, x: axes.x, y: axes.y, series, legend, notes, empty };
}

// ---------------------------------------------------------------------------------------------
// SVG output
// ---------------------------------------------------------------------------------------------

/** Fixed-precision coordinate; throws rather than ever writing NaN/Infinity. */
function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`internal error: non-finite coordinate ${v}`);
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

/** Pixel polyline of one run, dropping points closer than 0.25 px to the previous kept one. */
function pixelRun(run: Array<[number, number]>, x: Scale, y: Scale): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < run.length; i++) {
    const p = run[i] as [number, number];
    const px = x.map(p[0]);
    const py = y.map(p[1]);
    const last = out[out.length - 1];
    if (last !== undefined && i < run.length - 1 && Math.abs(px - last[0]) < 0.25 && Math.abs(py - last[1]) < 0.25) continue;
    out.push([px, py]);
  }
  return out;
}

function pathOf(points: Array<[number, number]>, close = false): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(p[0])} ${num(p[1])}`).join('') + (close ? 'Z' : '');
}

export function renderSvg(spec: PlotSpec): string {
  const L = computeLayout(spec);
  const { box, x, y } = L;
  const sx = x.scale;
  const sy = y.scale;
  const right = box.left + box.width;
  const bottom = box.top + box.height;
  const out: string[] = [];
  const push = (s: string): void => {
    out.push(s);
  };

  push('<?xml version="1.0" encoding="UTF-8"?>');
  push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(L.width)}" height="${num(L.height)}" ` +
      `viewBox="0 0 ${num(L.width)} ${num(L.height)}" font-family="${escapeXml(FONT_FAMILY)}">`,
  );
  push(`<title>${escapeXml(spec.title)}</title>`);
  push(`<rect x="0" y="0" width="${num(L.width)}" height="${num(L.height)}" fill="#ffffff"/>`);
  push(
    `<defs><clipPath id="richscale-plot-clip"><rect x="${num(box.left)}" y="${num(box.top)}" ` +
      `width="${num(box.width)}" height="${num(box.height)}"/></clipPath></defs>`,
  );

  // Light grid at the major ticks.
  const grid: string[] = [];
  for (const t of x.ticks.major) grid.push(`M${num(sx.map(t.value))} ${num(box.top)}V${num(bottom)}`);
  for (const t of y.ticks.major) grid.push(`M${num(box.left)} ${num(sy.map(t.value))}H${num(right)}`);
  if (grid.length > 0) push(`<path class="grid" d="${grid.join('')}" stroke="#e3e3e3" stroke-width="0.8" fill="none"/>`);

  // Data: regions, bands, then lines, clipped to the plot box.
  push('<g clip-path="url(#richscale-plot-clip)">');
  for (const r of spec.regions ?? []) {
    const pts = Array.from(r.x, (xv, i): [number, number] => [sx.map(xv), sy.map(Number(r.y[i]))]);
    if (pts.length < 3 || pts.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) continue;
    push(
      `<path class="region" d="${pathOf(pts, true)}" fill="${escapeXml(r.fill)}" ` +
        `fill-opacity="${r.opacity ?? 0.35}" stroke="none"/>`,
    );
  }
  for (const s of L.series) {
    if (s.band === null) continue;
    for (const run of s.band) {
      const upper = run.map((p): [number, number] => [sx.map(p.x), sy.map(p.hi)]);
      const lower = run
        .map((p): [number, number] => [sx.map(p.x), Number.isFinite(p.lo) ? sy.map(p.lo) : sy.range[0] + 1])
        .reverse();
      push(
        `<path class="band" data-series="${s.index}" d="${pathOf([...upper, ...lower], true)}" ` +
          `fill="${escapeXml(s.color)}" fill-opacity="${BAND_OPACITY}" stroke="none"/>`,
      );
    }
  }
  for (const s of L.series) {
    const runs = s.segments.map((seg) => pixelRun(seg, sx, sy));
    const lines = runs.filter((r) => r.length >= 2);
    const dots = runs.filter((r) => r.length === 1);
    const color = escapeXml(s.color);
    if (lines.length > 0) {
      push(
        `<path class="line" data-series="${s.index}" d="${lines.map((r) => pathOf(r)).join('')}" fill="none" ` +
          `stroke="${color}" stroke-width="${LINE_WIDTH}" stroke-linejoin="round" ` +
          (s.dashed ? `stroke-linecap="butt" stroke-dasharray="${DASH}"` : 'stroke-linecap="round"') +
          '/>',
      );
    }
    for (const d of dots) {
      const p = d[0] as [number, number];
      push(`<circle class="point" data-series="${s.index}" cx="${num(p[0])}" cy="${num(p[1])}" r="2.5" fill="${color}"/>`);
    }
  }
  push('</g>');

  for (const a of spec.annotations ?? []) {
    const px = sx.map(a.x);
    const py = sy.map(a.y);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    push(
      `<text class="annotation" x="${num(px)}" y="${num(py)}" text-anchor="middle" font-size="${a.size ?? 13}" ` +
        `fill="#111111">${escapeXml(a.text)}</text>`,
    );
  }

  if (L.empty) {
    push(
      `<text class="no-data" x="${num(box.left + box.width / 2)}" y="${num(box.top + box.height / 2)}" ` +
        `text-anchor="middle" font-size="${LABEL_FONT}" fill="#777777">${escapeXml(NO_DATA_NOTE)}</text>`,
    );
  }

  // Frame and ticks (outward on the bottom and left axes).
  push(
    `<rect class="frame" x="${num(box.left)}" y="${num(box.top)}" width="${num(box.width)}" height="${num(box.height)}" ` +
      'fill="none" stroke="#222222" stroke-width="1"/>',
  );
  const ticks: string[] = [];
  const minorTicks: string[] = [];
  for (const t of x.ticks.major) ticks.push(`M${num(sx.map(t.value))} ${num(bottom)}v${MAJOR_TICK}`);
  for (const v of x.ticks.minor) minorTicks.push(`M${num(sx.map(v))} ${num(bottom)}v${MINOR_TICK}`);
  for (const t of y.ticks.major) ticks.push(`M${num(box.left)} ${num(sy.map(t.value))}h${-MAJOR_TICK}`);
  for (const v of y.ticks.minor) minorTicks.push(`M${num(box.left)} ${num(sy.map(v))}h${-MINOR_TICK}`);
  if (ticks.length > 0) push(`<path class="ticks" d="${ticks.join('')}" stroke="#222222" stroke-width="1" fill="none"/>`);
  if (minorTicks.length > 0) {
    push(`<path class="minor-ticks" d="${minorTicks.join('')}" stroke="#222222" stroke-width="0.8" fill="none"/>`);
  }

  // Tick labels.
  push(`<g class="tick-labels" font-size="${TICK_FONT}" fill="#222222">`);
  const xLabelY = bottom + MAJOR_TICK + 4 + TICK_FONT * 0.8;
  for (const t of x.ticks.major) {
    if (t.label === '') continue;
    push(`<text x="${num(sx.map(t.value))}" y="${num(xLabelY)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of y.ticks.major) {
    if (t.label === '') continue;
    push(
      `<text x="${num(box.left - MAJOR_TICK - 4)}" y="${num(sy.map(t.value) + TICK_FONT * 0.36)}" text-anchor="end">` +
        `${escapeXml(t.label)}</text>`,
    );
  }
  push('</g>');

  // Axis labels and title.
  const xAxisY = xLabelY + 10 + LABEL_FONT * 0.8;
  push(
    `<text class="x-label" x="${num(box.left + box.width / 2)}" y="${num(xAxisY)}" text-anchor="middle" ` +
      `font-size="${LABEL_FONT}" fill="#111111">${escapeXml(spec.xLabel)}</text>`,
  );
  const yAxisX = 12 + LABEL_FONT * 0.8;
  const yMid = box.top + box.height / 2;
  push(
    `<text class="y-label" x="${num(yAxisX)}" y="${num(yMid)}" text-anchor="middle" font-size="${LABEL_FONT}" ` +
      `fill="#111111" transform="rotate(-90 ${num(yAxisX)} ${num(yMid)})">${escapeXml(spec.yLabel)}</text>`,
  );
  if (spec.title.trim() !== '') {
    push(
      `<text class="title" x="${num(box.left + box.width / 2)}" y="${num(20 + TITLE_FONT * 0.8)}" text-anchor="middle" ` +
        `font-size="${TITLE_FONT}" font-weight="bold" fill="#111111">${escapeXml(spec.title)}</text>`,
    );
  }

  // Legend.
  const lg = L.legend;
  if (lg !== null) {
    push(`<g class="legend" data-placement="${lg.placement}">`);
    push(
      `<rect x="${num(lg.x)}" y="${num(lg.y)}" width="${num(lg.width)}" height="${num(lg.height)}" rx="3" ` +
        'fill="#ffffff" fill-opacity="0.92" stroke="#bbbbbb" stroke-width="0.8"/>',
    );
    const pad = 8;
    let rowY = lg.y + pad;
    for (const s of L.series) {
      const cy = rowY + lg.rowHeight / 2 - 2;
      const x0 = lg.x + pad;
      const color = escapeXml(s.color);
      push(`<g class="legend-entry" data-series="${s.index}">`);
      if (s.band !== null) {
        push(`<rect x="${num(x0)}" y="${num(cy - 6)}" width="28" height="12" fill="${color}" fill-opacity="${BAND_OPACITY}"/>`);
      }
      push(
        `<path d="M${num(x0)} ${num(cy)}h28" stroke="${color}" stroke-width="${LINE_WIDTH}" fill="none"` +
          (s.dashed ? ` stroke-dasharray="${DASH}"` : '') +
          '/>',
      );
      push(
        `<text x="${num(x0 + 36)}" y="${num(cy + LEGEND_FONT * 0.36)}" font-size="${LEGEND_FONT}" fill="#111111">` +
          `${escapeXml(s.label)}</text>`,
      );
      push('</g>');
      rowY += lg.rowHeight;
    }
    if (L.notes.length > 0) rowY += 4;
    for (const note of L.notes) {
      push(
        `<text class="note" x="${num(lg.x + pad)}" y="${num(rowY + NOTE_FONT * 0.85)}" font-size="${NOTE_FONT}" ` +
          `fill="#555555">${escapeXml(note)}</text>`,
      );
      rowY += lg.noteHeight;
    }
    push('</g>');
  }

  push('</svg>');
  return out.join('\n') + '\n';
}
