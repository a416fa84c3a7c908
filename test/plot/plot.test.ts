import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeLayout,
  escapeXml,
  logDomain,
  logTicks,
  lossPlotSpec,
  makeScale,
  NO_DATA_NOTE,
  renderPng,
  renderSvg,
  superscript,
  writePlot,
} from '../../lib/plot/index.js';
import type { PlotSpec } from '../../lib/plot/index.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ihdr(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Two noisy-free power laws over steps 0..1e4 on a log grid, as the simulator would report them. */
function exampleCurves() {
  const steps = Float64Array.from(new Set([0, ...Array.from({ length: 41 }, (_, j) => Math.round(10 ** (j / 10)))]));
  const curve = (label: string, beta: number, a: number) => {
    const mean = steps.map((t) => a * Math.max(t, 1) ** -beta);
    return { label, steps, mean, stderr: mean.map((m) => 0.05 * m) };
  };
  return [curve('lazy', 0.5, 1), curve('rich', 0.67, 0.8)];
}

function exampleSpec(): PlotSpec {
  return lossPlotSpec({
    title: 'loss curves',
    curves: exampleCurves(),
    referenceSlope: { exponent: 0.5, label: 'lazy reference t^-β, β = 0.5' },
    notes: ['16 seeds'],
  });
}

/** All numbers in the `d` attribute of the elements with the given class. */
function pathsOf(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`class="${cls}"[^>]* d="([^"]*)"`, 'g'))].map((m) => m[1] ?? '');
}

describe('log ticks', () => {
  it('puts major ticks exactly at the powers of ten and minor ticks at 2..9 × 10^k', () => {
    const t = logTicks(1, 1e4);
    expect(t.major.map((m) => m.value)).toEqual([1, 10, 100, 1000, 10000]);
    expect(t.major.map((m) => m.label)).toEqual(['10⁰', '10¹', '10²', '10³', '10⁴']);
    expect(t.minor).toHaveLength(4 * 8);
    expect(t.minor).toContain(2);
    expect(t.minor).toContain(9000);
    expect(t.minor).not.toContain(1000);
  });

  it('labels negative exponents with superscript minus and exact values', () => {
    const t = logTicks(1e-5, 0.5);
    expect(t.major.map((m) => m.value)).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
    expect(t.major[0]?.label).toBe('10⁻⁵');
    expect(superscript(-12)).toBe('⁻¹²');
  });

  it('adds 1, 2, 5 × 10^k ticks when the range spans less than a decade', () => {
    const t = logTicks(0.15, 0.9);
    expect(t.major.map((m) => m.value)).toEqual([0.2, 0.5]);
    expect(t.major.every((m) => m.label !== '')).toBe(true);
    // more than a decade but a single power of ten inside: 1, 2, 5 ticks too
    expect(logTicks(3, 60).major.map((m) => m.label)).toEqual(['5', '10', '20', '50']);
    expect(logTicks(1.5, 12).major.map((m) => m.value)).toEqual([2, 5, 10]);
  });

  it('falls back to several labelled ticks on a very narrow range', () => {
    const t = logTicks(0.95, 1.05);
    expect(t.major.length).toBeGreaterThanOrEqual(2);
    for (const m of t.major) {
      expect(m.value).toBeGreaterThanOrEqual(0.95);
      expect(m.value).toBeLessThanOrEqual(1.05);
    }
  });

  it('thins labels over many decades but keeps every power-of-ten tick', () => {
    const t = logTicks(1e-30, 1);
    expect(t.major).toHaveLength(31);
    const labelled = t.major.filter((m) => m.label !== '');
    expect(labelled.length).toBeLessThanOrEqual(10);
    expect(labelled.map((m) => m.value)).toContain(1);
  });

  it('snaps log domains outward to round values', () => {
    expect(logDomain(1, 1e4)).toEqual([1, 1e4]);
    expect(logDomain(0.012, 0.93)).toEqual([0.01, 1]);
    const [lo, hi] = logDomain(0.5, 0.5);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
  });

  it('rejects invalid ranges', () => {
    expect(() => logTicks(0, 10)).toThrow(RangeError);
    expect(() => logTicks(10, 1)).toThrow(RangeError);
  });
});

describe('scales and layout', () => {
  it('log mapping is monotone and maps the domain ends to the range ends', () => {
    const s = makeScale(true, [1e-3, 1e2], [50, 750]);
    expect(s.map(1e-3)).toBeCloseTo(50, 9);
    expect(s.map(1e2)).toBeCloseTo(750, 9);
    expect(s.map(1e-1 / 2)).toBeGreaterThan(50);
    let prev = -Infinity;
    for (let e = -3; e <= 2; e += 0.1) {
      const p = s.map(10 ** e);
      expect(p).toBeGreaterThan(prev);
      prev = p;
    }
    // one decade = one fifth of the axis
    expect(s.map(1) - s.map(0.1)).toBeCloseTo(140, 9);
    expect(s.accepts(0)).toBe(false);
    expect(s.accepts(-1)).toBe(false);
    expect(s.accepts(Number.NaN)).toBe(false);
  });

  it('maps the axis ends onto the plot box (y grows upwards)', () => {
    const L = computeLayout(exampleSpec());
    const { box, x, y } = L;
    expect(x.scale.domain).toEqual([1, 1e4]);
    expect(x.scale.map(x.scale.domain[0])).toBeCloseTo(box.left, 9);
    expect(x.scale.map(x.scale.domain[1])).toBeCloseTo(box.left + box.width, 9);
    expect(y.scale.map(y.scale.domain[0])).toBeCloseTo(box.top + box.height, 9);
    expect(y.scale.map(y.scale.domain[1])).toBeCloseTo(box.top, 9);
    expect(y.scale.map(0.1)).toBeLessThan(y.scale.map(0.01));
    // every drawn point lies inside the box
    for (const s of L.series) {
      for (const seg of s.segments) {
        for (const [px, py] of seg) {
          expect(x.scale.map(px)).toBeGreaterThanOrEqual(box.left - 1e-9);
          expect(x.scale.map(px)).toBeLessThanOrEqual(box.left + box.width + 1e-9);
          expect(y.scale.map(py)).toBeGreaterThanOrEqual(box.top - 1e-9);
          expect(y.scale.map(py)).toBeLessThanOrEqual(box.top + box.height + 1e-9);
        }
      }
    }
  });

  it('places the legend in a free corner inside the box, or to the right of it', () => {
    const L = computeLayout(exampleSpec());
    expect(L.legend?.placement).toBe('upper right');
    // data filling the whole box: the legend moves outside
    const xs = Array.from({ length: 400 }, (_, i) => 1 + i);
    const dense: PlotSpec = {
      title: 'dense',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      logY: true,
      series: [
        { label: 'zigzag', x: xs, y: xs.map((_, i) => (i % 2 === 0 ? 1 : 100)) },
      ],
    };
    const D = computeLayout(dense);
    expect(D.legend?.placement).toBe('outside right');
    expect(D.legend?.x ?? 0).toBeGreaterThan(D.box.left + D.box.width);
    expect((D.legend?.x ?? 0) + (D.legend?.width ?? 0)).toBeLessThanOrEqual(D.width);
  });
});

describe('renderSvg', () => {
  it('skips non-positive and non-finite points on log axes and never writes NaN', () => {
    const spec: PlotSpec = {
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      logY: true,
      series: [
        {
          label: 's',
          x: [0, 1, 2, 3, 4, 5, 6, -7],
          y: [1, 1, 0.5, -1, 0.3, 0.2, Infinity, 0.1],
          lower: [0.9, 0.9, 0.4, -2, -0.1, 0.1, NaN, 0.05],
          upper: [1.1, 1.1, 0.6, 0, 0.4, 0.3, NaN, 0.15],
        },
      ],
    };
    const L = computeLayout(spec);
    const s = L.series[0];
    expect(s?.segments).toEqual([
      [[1, 1], [2, 0.5]],
      [[4, 0.3], [5, 0.2]],
    ]);
    const svg = renderSvg(spec);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    const line = pathsOf(svg, 'line');
    expect(line).toHaveLength(1);
    expect(line[0]?.match(/M/g)).toHaveLength(2);
    // band splits at x=3 (upper 0 is not drawable) and clips the negative lower edge at x=4 to the axis
    expect(pathsOf(svg, 'band')).toHaveLength(2);
    expect(() => renderPng(svg, 400)).not.toThrow();
  });

  it('linear axes keep zero and negative values', () => {
    const svg = renderSvg({
      title: 'lin',
      xLabel: 'x',
      yLabel: 'y',
      logX: false,
      logY: false,
      series: [{ label: 's', x: [-2, -1, 0, 1, 2], y: [4, 1, 0, 1, 4] }],
    });
    expect(pathsOf(svg, 'line')[0]?.match(/L/g)).toHaveLength(4);
    expect(svg).not.toContain('NaN');
  });

  it('an empty or all-invalid series gives a valid plot with a "no positive data" note', () => {
    const spec: PlotSpec = {
      title: 'nothing',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      logY: true,
      series: [
        { label: 'empty', x: [], y: [] },
        { label: 'invalid', x: new Float64Array([0, -1, NaN]), y: new Float64Array([1, 2, 3]) },
      ],
    };
    const svg = renderSvg(spec);
    expect(svg).toContain(NO_DATA_NOTE);
    expect(svg).toContain(`empty: ${NO_DATA_NOTE}`);
    expect(svg).toContain(`invalid: ${NO_DATA_NOTE}`);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(ihdr(renderPng(svg)).width).toBe(1600);

    const noSeries = renderSvg({ ...spec, series: [] });
    expect(noSeries).toContain(NO_DATA_NOTE);
  });

  it('rejects series whose columns differ in length', () => {
    expect(() =>
      renderSvg({ title: '', xLabel: '', yLabel: '', logX: true, logY: true, series: [{ label: 'a', x: [1, 2], y: [1] }] }),
    ).toThrow(/length/);
  });

  it('escapes XML in the title, axis labels, legend and notes', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
    const svg = renderSvg({
      title: 'A < B & C',
      xLabel: '<x>',
      yLabel: 'y "quoted"',
      logX: true,
      logY: true,
      series: [{ label: '<script>alert(1)</script>', x: [1, 10], y: [1, 0.1], color: '"><bad' }],
      notes: ['p & q\u0001'],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('"><bad');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('A &lt; B &amp; C');
    expect(svg).toContain('&lt;x&gt;');
    expect(svg).toContain('y &quot;quoted&quot;');
    expect(svg).toContain('p &amp; q<');
    // resvg parses the document (it rejects malformed XML)
    expect(() => renderPng(svg, 200)).not.toThrow();
  });

  it('draws a band and a legend entry for every series, with a dashed swatch for dashed series', () => {
    const spec = exampleSpec();
    expect(spec.series).toHaveLength(3);
    const svg = renderSvg(spec);
    for (let i = 0; i < 2; i++) {
      expect(svg).toContain(`class="band" data-series="${i}"`);
      expect(svg).toContain(`class="line" data-series="${i}"`);
    }
    expect(svg).not.toContain('class="band" data-series="2"'); // reference line has no band
    const entries = [...svg.matchAll(/<g class="legend-entry" data-series="(\d+)">([\s\S]*?)<\/g>/g)];
    expect(entries.map((m) => m[1])).toEqual(['0', '1', '2']);
    expect(entries[2]?.[2]).toContain('stroke-dasharray');
    expect(entries[0]?.[2]).not.toContain('stroke-dasharray');
    expect(entries[0]?.[2]).toContain('fill-opacity');
    expect(svg).toContain('lazy reference t^-β, β = 0.5');
    expect(svg).toContain('16 seeds');
    expect(svg).toContain('font-family="DejaVu Sans, Arial, Helvetica, sans-serif"');
    // distinct default colours
    const colors = [...svg.matchAll(/class="line"[^>]*stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(colors).size).toBe(3);
  });
});

describe('lossPlotSpec', () => {
  it('drops step 0, builds mean ± stderr bands and anchors the reference line mid-range', () => {
    const curves = exampleCurves();
    const spec = lossPlotSpec({ title: 't', curves, referenceSlope: { exponent: 0.5, label: 'ref' } });
    expect(spec.logX && spec.logY).toBe(true);
    const [lazy, , ref] = spec.series;
    expect(lazy?.x[0]).toBe(1);
    expect(lazy?.x.length).toBe(curves[0]!.steps.length - 1);
    expect(lazy?.lower?.[0]).toBeCloseTo(0.95, 12);
    expect(lazy?.upper?.[0]).toBeCloseTo(1.05, 12);
    expect(ref?.dashed).toBe(true);
    expect(ref?.x).toEqual([1, 1e4]);
    // anchored at the geometric middle step t = 100 of the first curve: L(100) = 0.1 there
    const c = (ref?.y[0] ?? 0) * 1 ** 0.5;
    expect(c * 100 ** -0.5).toBeCloseTo(0.1, 12);
    expect((ref?.y[1] ?? 0) / (ref?.y[0] ?? 1)).toBeCloseTo(1e4 ** -0.5, 12);
  });

  it('omits the reference line when the first curve has nothing positive', () => {
    const steps = Float64Array.from([0, 1, 2]);
    const spec = lossPlotSpec({
      title: 't',
      curves: [{ label: 'a', steps, mean: Float64Array.from([0, 0, 0]), stderr: new Float64Array(0) }],
      referenceSlope: { exponent: 1, label: 'ref' },
    });
    expect(spec.series).toHaveLength(1);
    expect(spec.series[0]?.lower).toBeUndefined();
    expect(renderSvg(spec)).toContain(NO_DATA_NOTE);
  });
});

describe('PNG output', () => {
  it('starts with the PNG signature and renders at twice the SVG width by default', () => {
    const svg = renderSvg({ ...exampleSpec(), width: 640, height: 480 });
    const png = renderPng(svg);
    expect(ihdr(png)).toEqual({ width: 1280, height: 960 });
    expect(ihdr(renderPng(svg, 300)).width).toBe(300);
  });

  it('writePlot writes both files atomically into the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'richscale-plot-'));
    try {
      const out = await writePlot(exampleSpec(), join(dir, 'nested'), 'loss');
      expect(out.svgPath).toBe(join(dir, 'nested', 'loss.svg'));
      expect(out.pngPath).toBe(join(dir, 'nested', 'loss.png'));
      expect(readFileSync(out.svgPath, 'utf8')).toContain('<svg');
      expect(ihdr(readFileSync(out.pngPath)).width).toBe(1600);
      expect(readdirSync(join(dir, 'nested')).sort()).toEqual(['loss.png', 'loss.svg']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
