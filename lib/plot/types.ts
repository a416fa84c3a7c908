/** Data model of the headless line-plot renderer (lib/plot/svg.ts). */

/** Numeric column: a typed array from the simulator or a plain array. */
export type NumericArray = Float64Array | readonly number[];

/** One line on the plot, with an optional shaded band (e.g. mean ± stderr). */
export interface Series {
  label: string;
  x: NumericArray;
  y: NumericArray;
  /** Lower edge of the shaded band (same length as x). Non-positive values on a log axis clip to the axis bottom. */
  lower?: NumericArray;
  /** Upper edge of the shaded band (same length as x). Drawn only when `lower` is given too. */
  upper?: NumericArray;
  dashed?: boolean;
  /** Any SVG colour; defaults to the next colour of the Okabe-Ito palette. */
  color?: string;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX: boolean;
  logY: boolean;
  /** SVG width in px (default 800). */
  width?: number;
  /** SVG height in px (default 560). */
  height?: number;
  /** Small text lines under the legend entries. */
  notes?: string[];
  /** Filled polygons drawn under the data (e.g. the regions of a phase diagram), in data coordinates. */
  regions?: Region[];
  /** Text placed at data coordinates (centred), drawn over the data. */
  annotations?: Annotation[];
  /** Fixed axis ranges; default: the data's extent. Required for a plot that has only regions. */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
}

export interface Region {
  x: NumericArray;
  y: NumericArray;
  fill: string;
  /** Fill opacity (default 0.35). */
  opacity?: number;
}

export interface Annotation {
  x: number;
  y: number;
  text: string;
  /** Font size in px (default 13). */
  size?: number;
}
