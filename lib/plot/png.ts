/** SVG → PNG through resvg (a Rust renderer; no browser). */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];

/** The DejaVu Sans files that exist on this machine (others come from the system font scan). */
export function fontFiles(): string[] {
  return FONT_CANDIDATES.filter((f) => existsSync(f));
}

/**
 * Rasterise an SVG document to PNG bytes. `width` is the output width in pixels; by default the
 * image is rendered at twice the SVG's own width for crisp text and lines.
 */
export function renderPng(svg: string, width?: number): Buffer {
  if (width !== undefined && !(Number.isInteger(width) && width > 0)) {
    throw new RangeError(`renderPng: width must be a positive integer, got ${width}`);
  }
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', fontFiles: fontFiles() },
    fitTo: width === undefined ? { mode: 'zoom', value: 2 } : { mode: 'width', value: width },
    background: '#ffffff',
    shapeRendering: 2,
    textRendering: 1,
  });
  return resvg.render().asPng();
}
