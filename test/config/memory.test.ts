import { describe, expect, it } from 'vitest';
import {
  checkMemory,
  concurrentSeedJobs,
  defaultMaxMemory,
  estimateMemory,
  JOB_OVERHEAD_BYTES,
  memoryProblems,
  parseMemorySize,
  PROCESS_OVERHEAD_BYTES,
  recordedPoints,
  seedJobBytes,
  seedJobElements,
} from '../../lib/config/memory.js';
import { getPreset } from '../../lib/config/presets.js';
import { ConfigError, type ResolvedSimulateConfig } from '../../lib/config/schema.js';

const cfg = (over: Partial<ResolvedSimulateConfig> = {}): ResolvedSimulateConfig => ({ ...getPreset('hard'), ...over });

describe('memory estimate', () => {
  it('counts A(0), G, A, the explicit batch, the data matrix and the recorded points per seed job', () => {
    const base = { M: 1000, steps: 100, record: 'all' as const, batch: Infinity, data: Infinity };
    expect(seedJobElements(cfg({ ...base, model: 'projected' }), 100, 0)).toMatchObject({
      A0: 1e5, G: 0, A: 0, batch: 0, data: 0, recorded: 101,
    });
    expect(seedJobElements(cfg({ ...base, model: 'projected' }), 100, 0.5).G).toBe(1e4);
    expect(seedJobElements(cfg({ ...base, model: 'unprojected' }), 100, 0.5)).toMatchObject({ G: 0, A: 1e5 });
    expect(seedJobElements(cfg({ ...base, batch: 32, sampler: 'explicit' }), 100, 0).batch).toBe(32e3);
    expect(seedJobElements(cfg({ ...base, batch: 32, sampler: 'exact' }), 100, 0).batch).toBe(0);
    const data = seedJobElements(cfg({ ...base, data: 50 }), 100, 0);
    expect(data).toMatchObject({ data: 5e4, recorded: 202 });
    const e = seedJobElements(cfg(base), 100, 0.5);
    expect(seedJobBytes(cfg(base), 100, 0.5)).toBe(
      8 * (e.A0 + e.G + e.A + e.batch + e.data + e.recorded + e.vectors) + JOB_OVERHEAD_BYTES,
    );
    expect(recordedPoints({ steps: 3000, record: 'log', recordPoints: 60 })).toBe(61);
    expect(recordedPoints({ steps: 10, record: 'log', recordPoints: 60 })).toBe(11);
  });

  it('multiplies by the seed jobs that run at once (never more than there are), plus stored curves', () => {
    const c = cfg({ N: [512], gamma: [0, 0.5], seeds: 8 }); // 16 jobs
    expect(concurrentSeedJobs(c, 1)).toBe(1);
    expect(concurrentSeedJobs(c, 4)).toBe(4);
    expect(concurrentSeedJobs(c, 16)).toBe(16);
    expect(concurrentSeedJobs(c, 64)).toBe(1); // fewer jobs than threads: one job at a time, all threads to BLAS
    const est = estimateMemory(c, 4);
    expect(est.concurrentJobs).toBe(4);
    expect(est.largest.gamma).toBe(0.5); // G makes the γ > 0 jobs the larger ones
    expect(est.jobsBytes).toBe(4 * seedJobBytes(c, 512, 0.5));
    expect(est.storedBytes).toBe(8 * 61 * 8 * 2);
    expect(est.bytes).toBe(est.jobsBytes + est.storedBytes + PROCESS_OVERHEAD_BYTES);
    // 12 concurrent jobs: the 8 γ = 0.5 jobs and 4 of the γ = 0 ones.
    const c2 = cfg({ N: [512], gamma: [0, 0.5], seeds: 8 });
    expect(estimateMemory(c2, 12).jobsBytes).toBe(8 * seedJobBytes(c2, 512, 0.5) + 4 * seedJobBytes(c2, 512, 0));
  });

  it('refuses a run above the limit with one line: estimate, limit, what to reduce', () => {
    const c = cfg({ N: [8000], M: 20000, seeds: 64 });
    expect(memoryProblems(c, { threads: 2, maxMemory: 1e12 })).toEqual([]);
    const [line, ...rest] = memoryProblems(c, { threads: 64, maxMemory: 20e9 });
    expect(rest).toEqual([]);
    expect(line).toMatch(/^config: this run needs about \d+(\.\d+)? GB of memory \(64 concurrent seed jobs, up to 1\.\d+ GB each at N = 8000, M = 20000, gamma = 0\.5;/);
    expect(line).toContain('more than --max-memory 20.0 GB');
    expect(line).toContain('reduce N or M');
    expect(line).toContain('use fewer --threads');
    expect(line).not.toContain('\n');
    expect(() => checkMemory(c, { threads: 64, maxMemory: 20e9 })).toThrow(ConfigError);
    // The default limit is 80% of the RAM, and is named as such.
    expect(memoryProblems(cfg({ N: [14000], M: 14000, seeds: 1e4 }), { threads: 4096 })[0]).toMatch(/default 80% of .* RAM/);
    // Recorded points dominating: fewer seeds or a log grid.
    const many = memoryProblems(cfg({ N: [4], M: 8, record: 'all', steps: 1e6, seeds: 100 }), { threads: 1, maxMemory: 1e8 });
    expect(many[0]).toMatch(/reduce seeds or steps, or use record = 'log'/);
    expect(many[0]).not.toContain('--threads');
  });

  it('--max-memory sizes', () => {
    expect(parseMemorySize('4e9')).toBe(4e9);
    expect(parseMemorySize('8G')).toBe(8e9);
    expect(parseMemorySize('512MB')).toBe(512e6);
    expect(parseMemorySize('4GiB')).toBe(4 * 2 ** 30);
    expect(parseMemorySize('1.5 gb')).toBe(1.5e9);
    expect(parseMemorySize('50%', 1e10)).toBe(5e9);
    for (const bad of ['', 'abc', '0', '-1G', '8X', '1e400', 'NaN']) {
      expect(() => parseMemorySize(bad)).toThrow(/^config: max-memory = '.*' is not valid/);
    }
    expect(defaultMaxMemory(1e10)).toBe(8e9);
  });
});
