/** Headless log-log line plots: SVG via lib/plot/svg.ts, PNG via resvg. */
import { join } from 'node:path';
import { atomicWrite } from '../io/atomicWrite.js';
import { makeDirs } from '../io/mkdirs.js';
import { renderPng } from './png.js';
import { renderSvg } from './svg.js';
import type { PlotSpec } from './types.js';

export type { NumericArray, PlotSpec, Series } from './types.js';
export {
  FONT_FAMILY,
  NO_DATA_NOTE,
  PALETTE,
  computeLayout,
  escapeXml,
  linearDomain,
  linearTicks,
  logDomain,
  logTicks,
  makeScale,
  renderSvg,
  superscript,
} from './svg.js';
export type { Axis, AxisTicks, Box, LegendLayout, LegendPlacement, PlotLayout, Scale, Tick } from './svg.js';
export { fontFiles, renderPng } from './png.js';
export { MAX_PLOT_POINTS, thinIndices, thinSeries } from './thin.js';
export { REFERENCE_COLOR, lossPlotSpec, referenceLine } from './lossPlot.js';
export type { LossCurve, LossPlotInput } from './lossPlot.js';

/** Write `data` to `dir/name` atomically (temp file in the same directory, then rename over the target). */
async function writeAtomic(dir: string, name: string, data: string | Buffer): Promise<string> {
  const target = join(dir, name);
  await atomicWrite(target, data);
  return target;
}

/** Render `spec` and write `${baseName}.svg` and `${baseName}.png` (2× resolution) into `dir`. */
export async function writePlot(spec: PlotSpec, dir: string, baseName: string): Promise<{ svgPath: string; pngPath: string }> {
  if (baseName === '' || /[/\\]/.test(baseName)) throw new Error(`writePlot: bad base name "${baseName}"`);
  const svg = renderSvg(spec);
  const png = renderPng(svg);
  await makeDirs(dir);
  const svgPath = await writeAtomic(dir, `${baseName}.svg`, svg);
  const pngPath = await writeAtomic(dir, `${baseName}.png`, png);
  return { svgPath, pngPath };
}
