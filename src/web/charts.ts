import { countOf } from './plural.js';

/*
 * Bar charts as plain numbers for views/partials/bar-chart.ejs to draw as SVG: no markup here and no script, so a
 * chart is the same on every browser, prints, and needs nothing from a CDN. Geometry is in the SVG's own units
 * (its viewBox); the stylesheet sizes it to the page.
 */

export interface ChartPoint {
  /** Written in full in the table and the summary. */
  label: string;
  value: number;
  /** Under the axis of a column chart (only where `axisLabel` is given); rows show `label` itself. */
  axisLabel?: string;
  /** The table's label links here. */
  href?: string;
}

export interface ChartInput {
  /** Names the chart: its caption, and the start of its summary. */
  title: string;
  /** The counted thing, singular and plural, for the summary ("award", "awards"). */
  unit: [one: string, many?: string];
  /** Column headings of the table behind the chart. */
  columns: [label: string, value: string];
  points: ChartPoint[];
  /** Columns for a time series (left to right), rows for named categories (top to bottom). */
  layout: 'columns' | 'rows';
  /** Put before a point's label in the summary ("the week of "). */
  summaryPrefix?: string;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
  label: string;
  /** Where the value (rows) or the axis label (columns) is written. */
  textX: number;
  textY: number;
  axisLabel: string | null;
}

export interface Chart {
  title: string;
  /** One sentence for the SVG's aria-label: the total and the largest value. */
  summary: string;
  layout: 'columns' | 'rows';
  width: number;
  height: number;
  /** Nothing counted: the view says so instead of drawing empty axes. */
  empty: boolean;
  bars: Bar[];
  /** Horizontal lines of a column chart, with their values. */
  gridlines: Array<{ y: number; value: number; labelX: number; x1: number; x2: number }>;
  /** Row labels of a row chart (shortened; the table has them in full). */
  rowLabels: Array<{ x: number; y: number; text: string }>;
  columns: [string, string];
  points: ChartPoint[];
}

// Column charts span a wide card; row charts sit in half a card, so a narrower drawing keeps their text readable.
const WIDTH = 720;
const ROW_WIDTH = 400;
const COLUMN_HEIGHT = 240;
const MARGIN = { top: 16, right: 8, bottom: 40, left: 56 };
const ROW_HEIGHT = 48;
const ROW_LABEL_LENGTH = 44;

const round = (n: number) => Math.round(n * 10) / 10;

/** A step of 1, 2 or 5 times a power of ten giving about `ticks` whole-number gridlines up to at least `max`. */
export function niceStep(max: number, ticks = 4): number {
  if (max <= ticks) return 1;
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= raw)!;
}

const shorten = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** "Awards per week: 37 awards in all; the most, 12, for the week of 3 November 2026." */
export function summaryOf(input: Pick<ChartInput, 'title' | 'unit' | 'points' | 'summaryPrefix'>): string {
  const total = input.points.reduce((sum, p) => sum + p.value, 0);
  const [one, many] = input.unit;
  if (total === 0) return `${input.title}: no ${many ?? `${one}s`}.`;
  const top = input.points.reduce((best, p) => (p.value > best.value ? p : best));
  const most = input.points.length > 1 ? `; the most, ${top.value.toLocaleString('en-GB')}, for ${input.summaryPrefix ?? ''}${top.label}` : '';
  return `${input.title}: ${countOf(total, one, many)} in all${most}.`;
}

export function barChart(input: ChartInput): Chart {
  const max = Math.max(0, ...input.points.map((p) => p.value));
  const base = {
    title: input.title,
    summary: summaryOf(input),
    layout: input.layout,
    empty: max === 0,
    columns: input.columns,
    points: input.points,
  };
  if (input.layout === 'rows') {
    const barSpace = ROW_WIDTH - 64;
    return {
      ...base,
      width: ROW_WIDTH,
      height: Math.max(1, input.points.length) * ROW_HEIGHT,
      gridlines: [],
      rowLabels: input.points.map((p, i) => ({ x: 0, y: i * ROW_HEIGHT + 16, text: shorten(p.label, ROW_LABEL_LENGTH) })),
      bars: input.points.map((p, i) => {
        const width = max === 0 ? 0 : round((p.value / max) * barSpace);
        return { x: 0, y: i * ROW_HEIGHT + 22, width, height: 18, value: p.value, label: p.label, textX: width + 6, textY: i * ROW_HEIGHT + 37, axisLabel: null };
      }),
    };
  }
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = COLUMN_HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = niceStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const slot = plotWidth / Math.max(1, input.points.length);
  const yOf = (value: number) => round(MARGIN.top + plotHeight - (value / top) * plotHeight);
  return {
    ...base,
    width: WIDTH,
    height: COLUMN_HEIGHT,
    rowLabels: [],
    gridlines: Array.from({ length: top / step + 1 }, (_, i) => ({
      value: i * step,
      y: yOf(i * step),
      labelX: MARGIN.left - 8,
      x1: MARGIN.left,
      x2: WIDTH - MARGIN.right,
    })),
    bars: input.points.map((p, i) => {
      const x = round(MARGIN.left + i * slot + slot * 0.15);
      const y = yOf(p.value);
      return {
        x,
        y,
        width: round(slot * 0.7),
        height: round(MARGIN.top + plotHeight - y),
        value: p.value,
        label: p.label,
        textX: x,
        textY: COLUMN_HEIGHT - MARGIN.bottom + 26,
        axisLabel: p.axisLabel ?? null,
      };
    }),
  };
}
