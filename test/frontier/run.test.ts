import { describe, it, expect } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPreset } from '../../lib/config/presets.js';
import { runFrontier } from '../../lib/frontier/run.js';
import type { ResolvedSimulateConfig } from '../../lib/simulate/sweep.js';

const config: ResolvedSimulateConfig = {
  ...getPreset('hard'), N: [4, 8, 16], gamma: [0, 0.5], M: 128, eta: 0.25, batch: Infinity, steps: 512,
  recordPoints: 30, seeds: 2,
};

describe('frontier runner', () => {
  it('saves every sweep point, resumes from the folder with identical results, and refuses another config there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'richscale-frontier-'));
    try {
      const first = await runFrontier(config, dir, { threads: 2, bootstrap: 0 });
      expect(first.computedPoints).toBe(6);
      expect(readdirSync(join(dir, 'points')).length).toBe(6);
      // Simulate an interrupted run: remove one point; the rerun computes only that one.
      rmSync(join(dir, 'points', 'g0.5_N8.json'));
      const resumed: string[] = [];
      const second = await runFrontier(config, dir, { threads: 2, bootstrap: 0, onResume: (N, g) => resumed.push(`${g}/${N}`) });
      expect(second.computedPoints).toBe(1);
      expect(second.resumedPoints).toBe(5);
      expect(resumed).not.toContain('0.5/8');
      for (let g = 0; g < 2; g++) {
        const a = first.results[g]!.curves.map((c) => Array.from(c.perSeed[1]!));
        const b = second.results[g]!.curves.map((c) => Array.from(c.perSeed[1]!));
        expect(b).toEqual(a);
        expect(second.results[g]!.fit.lossExponent.value).toBe(first.results[g]!.fit.lossExponent.value);
      }
      await expect(runFrontier({ ...config, eta: 0.2 }, dir, { threads: 2 })).rejects.toThrow(/another config/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs at least three widths', async () => {
    await expect(runFrontier({ ...config, N: [4, 8] }, tmpdir(), { threads: 1 })).rejects.toThrow(/at least 3 widths/);
  });
});
