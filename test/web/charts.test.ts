import { describe, expect, it } from 'vitest';
import { barChart, niceStep, summaryOf } from '../../src/web/charts.js';

describe('bar charts as numbers for the SVG partial', () => {
  it('steps gridlines by 1, 2 or 5 times a power of ten, whole numbers only', () => {
    expect([0, 3, 4, 7, 12, 37, 180, 999].map((max) => niceStep(max))).toEqual([1, 1, 1, 2, 5, 10, 50, 500]);
  });

  it('draws columns inside the drawing, the tallest reaching its share of the top gridline and an empty one at zero height', () => {
    const chart = barChart({
      title: 'Awards per week',
      unit: ['award'],
      columns: ['Week of', 'Awards'],
      layout: 'columns',
      points: [
        { label: 'a', value: 0, axisLabel: 'Dec 2025' },
        { label: 'b', value: 7 },
        { label: 'c', value: 3 },
      ],
    });
    expect(chart.empty).toBe(false);
    for (const bar of chart.bars) {
      expect(bar.x).toBeGreaterThanOrEqual(0);
      expect(bar.x + bar.width).toBeLessThanOrEqual(chart.width);
      expect(bar.y + bar.height).toBeLessThanOrEqual(chart.height);
    }
    expect(chart.bars[0]!.height).toBe(0);
    expect(chart.gridlines.map((g) => g.value)).toEqual([0, 2, 4, 6, 8]);
    // 7 on a scale to 8: seven eighths of the plot's height.
    const plot = chart.gridlines[0]!.y - chart.gridlines.at(-1)!.y;
    expect(chart.bars[1]!.height).toBeCloseTo((plot * 7) / 8, 0);
    expect(chart.bars.map((b) => b.axisLabel)).toEqual(['Dec 2025', null, null]);
  });

  it('draws rows longest for the largest value and shortens long labels only in the drawing', () => {
    const long = 'A badge with a name far too long to fit beside its bar on a phone';
    const chart = barChart({
      title: 'Awards per badge',
      unit: ['award'],
      columns: ['Badge', 'Awards'],
      layout: 'rows',
      points: [
        { label: long, value: 10 },
        { label: 'Short', value: 5 },
      ],
    });
    expect(chart.bars[0]!.width).toBeCloseTo(chart.bars[1]!.width * 2, 0);
    expect(chart.bars[0]!.textX + 40).toBeLessThanOrEqual(chart.width);
    expect(chart.rowLabels[0]!.text).toMatch(/…$/);
    expect(chart.rowLabels[0]!.text.length).toBeLessThan(long.length);
    expect(chart.points[0]!.label).toBe(long);
  });

  it('says the total and the largest value in one sentence, and says when there is nothing', () => {
    const weeks = [
      { label: '1 June 2026', value: 1 },
      { label: '8 June 2026', value: 2 },
    ];
    expect(summaryOf({ title: 'Awards per week', unit: ['award'], summaryPrefix: 'the week of ', points: weeks })).toBe(
      'Awards per week: 3 awards in all; the most, 2, for the week of 8 June 2026.',
    );
    expect(summaryOf({ title: 'Awards per badge', unit: ['award'], points: [{ label: 'Only', value: 1 }] })).toBe('Awards per badge: 1 award in all.');
    expect(summaryOf({ title: 'Award emails', unit: ['email'], points: [{ label: 'Sent', value: 0 }] })).toBe('Award emails: no emails.');
    expect(barChart({ title: 'x', unit: ['award'], columns: ['a', 'b'], layout: 'rows', points: [] }).empty).toBe(true);
  });
});
