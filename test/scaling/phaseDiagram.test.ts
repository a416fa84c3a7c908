import { describe, it, expect } from 'vitest';
import { renderSvg } from '../../lib/plot/svg.js';
import { chiPlotSpec, phasePlotSpec } from '../../lib/scaling/phaseDiagram.js';
import { classifyTask } from '../../lib/scaling/regimes.js';
import { timeExponent } from '../../lib/scaling/exponents.js';

describe('Fig. 1 phase diagrams', () => {
  it.each(['lazy', 'rich'] as const)('%s: every region label sits inside the regime it names', (dynamics) => {
    const spec = phasePlotSpec(dynamics);
    const labels = (spec.annotations ?? []).filter((a) => /^(hard|easy|super-easy):/.test(a.text));
    expect(labels.map((a) => a.text.split(':')[0])).toEqual(['hard', 'easy', 'super-easy']);
    for (const a of labels) expect(classifyTask(a.x, a.y)).toBe(a.text.split(':')[0]);
    const hard = labels[0]!.text;
    expect(hard).toContain(dynamics === 'rich' ? 't^-2β/(1+β)' : 't^-β');
    const svg = renderSvg(spec);
    expect(svg.match(/class="region"/g)?.length).toBe(3);
    expect(svg).not.toContain('NaN');
  });

  it('the χ(β) panel plots the SPEC 4.1 exponents', () => {
    const spec = chiPlotSpec();
    const [lazy, rich] = spec.series;
    rich!.x.forEach((b, i) => {
      expect(rich!.y[i]).toBeCloseTo(timeExponent(Number(b), 'rich'), 14);
      expect(lazy!.y[i]).toBe(b);
    });
  });
});
