import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flagsToConfigInput } from '../../lib/config/flags.js';
import { PRESETS, getPreset } from '../../lib/config/presets.js';
import { makeTask } from '../../lib/task.js';
import {
  CONFIG_KEYS,
  ConfigError,
  formatConfigError,
  joinProblems,
  taskProblems,
  lambdaProblems,
  resolveSimulateConfig,
  simulateConfigSchema,
  simulateJsonSchema,
  type SimulateConfigInput,
} from '../../lib/config/schema.js';

/** Resolve over the default preset and return the problems (empty when valid); their message is one line. */
function problems(file: unknown, flags?: unknown): string[] {
  try {
    resolveSimulateConfig('hard', file, flags);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(formatConfigError(err)).not.toContain('\n');
    return (err as ConfigError).problems;
  }
}

function expectOneLine(file: unknown, key: string, ...fragments: string[]): string {
  const lines = problems(file);
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  expect(line).not.toContain('\n');
  expect(line).toMatch(/^config/);
  expect(line).toContain(key);
  for (const f of fragments) expect(line).toContain(f);
  return line;
}

describe('simulate config schema: bad inputs give one line naming key, value and range', () => {
  it('alpha ≤ 1', () => {
    expect(expectOneLine({ alpha: 0.5 }, 'alpha')).toBe(
      'config: alpha = 0.5 is out of range: must be > 1 (capacity exponent, SPEC 1)',
    );
    expectOneLine({ alpha: 1 }, 'alpha = 1', '> 1');
  });
  it('beta ≤ 0', () => expectOneLine({ beta: 0 }, 'beta = 0', '> 0'));
  it('M not a positive integer', () => {
    expectOneLine({ M: 0 }, 'M = 0', 'integer ≥ 1');
    expectOneLine({ M: 2.5 }, 'M = 2.5', 'is not an integer');
  });
  it('N: bad scalar, bad list item, empty list', () => {
    expectOneLine({ N: -5 }, 'N = -5', 'out of range', 'integer ≥ 1');
    expectOneLine({ N: [16, -3] }, 'N = -3', 'list item 2');
    expectOneLine({ N: [16, 'x'] }, "N = 'x'", 'not a number');
    expectOneLine({ N: [] }, 'N = []', 'empty list');
  });
  it('gamma negative or non-finite', () => {
    expectOneLine({ gamma: -1 }, 'gamma = -1', '≥ 0');
    expectOneLine({ gamma: [0, Infinity] }, 'gamma = Infinity', 'not a finite number');
  });
  it('eta: zero, negative, NaN, Infinity', () => {
    expectOneLine({ eta: 0 }, 'eta = 0', '> 0');
    expectOneLine({ eta: -0.1 }, 'eta = -0.1');
    expectOneLine({ eta: NaN }, 'eta = NaN', 'not a finite number');
    expectOneLine({ eta: Infinity }, 'eta = Infinity', 'not a finite number');
  });
  it('batch and data: bad strings, zero, fractions', () => {
    expectOneLine({ batch: 'abc' }, "batch = 'abc'", "'inf'");
    expectOneLine({ batch: 0 }, 'batch = 0', 'out of range');
    expectOneLine({ data: 2.5 }, 'data = 2.5', 'not an integer');
    expectOneLine({ data: -Infinity }, 'data = -Infinity');
  });
  it('enums', () => {
    expectOneLine({ model: 'linear' }, "model = 'linear'", "'projected' or 'unprojected'");
    expectOneLine({ sampler: 'fast' }, "sampler = 'fast'", "'explicit', 'exact' or 'span'");
    expectOneLine({ init: 'zeros' }, "init = 'zeros'", "'gaussian' or 'identity'");
    expectOneLine({ record: 'some' }, "record = 'some'", "'log' or 'all'");
  });
  it("sampler 'span': what it needs, one line each", () => {
    expectOneLine({ sampler: 'span', model: 'unprojected' }, "sampler = 'span' needs model = 'projected'");
    expectOneLine({ sampler: 'span', data: 100 }, "sampler = 'span' needs data = inf");
    expectOneLine({ sampler: 'span', precision: 'float32' }, "sampler = 'span' needs precision = 'float64'");
    expectOneLine({ sampler: 'span', N: 64, M: 64 }, "sampler = 'span' needs M > N");
  });
  it('integer ranges: steps, recordPoints, seeds, seed', () => {
    expectOneLine({ steps: 0 }, 'steps = 0', '[1, 1e9]');
    expectOneLine({ steps: 2e9 }, 'steps = 2000000000');
    expectOneLine({ recordPoints: 1 }, 'recordPoints = 1', '[2, 10000]');
    expectOneLine({ recordPoints: 10001 }, 'recordPoints = 10001');
    expectOneLine({ seeds: 0 }, 'seeds = 0', '[1, 100000]');
    expectOneLine({ seeds: 100001 }, 'seeds = 100001');
    expectOneLine({ seed: -1 }, 'seed = -1', '2^53-1');
    expectOneLine({ seed: 2 ** 53 }, 'seed = 9007199254740992');
  });
  it('wrong types', () => {
    expectOneLine({ alpha: '2' }, "alpha = '2'", 'not a number');
    expectOneLine({ perSeed: 'yes' }, "perSeed = 'yes'", 'true or false');
    expectOneLine({ M: null }, 'M = null', 'wrong type');
  });
  it('unknown keys are rejected in one phrase, with a suggestion when close and the valid keys listed once', () => {
    expect(problems({ foo: 1 })).toEqual([
      `config: unknown key 'foo' (valid keys: ${CONFIG_KEYS.join(', ')})`,
    ]);
    expect(problems({ record_points: 3, m: 5 })).toEqual([
      "config: unknown keys 'record_points' (did you mean 'recordPoints'?), 'm' (did you mean 'M'?)",
    ]);
    expect(problems({ foo: 1, bar: 2, m: 5 })).toEqual([
      `config: unknown keys 'foo', 'bar', 'm' (did you mean 'M'?) (valid keys: ${CONFIG_KEYS.join(', ')})`,
    ]);
  });
  it('a non-mapping layer', () => {
    expect(problems([1, 2])).toEqual(['config: expected a mapping of config keys to values, got a list']);
  });
  it('several problems are joined on ONE line, the repeated prefix dropped', () => {
    expect(problems({ alpha: 0.5, beta: -1 })).toHaveLength(2);
    try {
      resolveSimulateConfig('hard', undefined, { alpha: 1, eta: 0 });
      expect.unreachable();
    } catch (err) {
      expect(formatConfigError(err)).toBe(
        'config: alpha = 1 is out of range: must be > 1 (capacity exponent, SPEC 1); ' +
          'eta = 0 is out of range: must be a finite number > 0 (learning rate)',
      );
      expect((err as Error).message).toBe(formatConfigError(err));
    }
    // Different sources keep their own prefix.
    expect(joinProblems(['config (a.yaml): x', 'config: y', 'config: z'])).toBe('config (a.yaml): x; config: y; z');
  });
  it('perSeed that is not a boolean says it must be true or false', () => {
    expect(expectOneLine({ perSeed: 'yes' }, 'perSeed')).toBe(
      "config: perSeed = 'yes' is not a boolean: must be true or false (write per-seed curves)",
    );
  });
  it('a flag value that overflows a double is quoted as given', () => {
    const flags = flagsToConfigInput({ eta: '1e400', alpha: '-1e999' });
    expect(flags).toEqual({ eta: '1e400', alpha: '-1e999' });
    expect(problems(undefined, flags)).toEqual([
      'config: alpha = -1e999 overflows (not a finite number): must be > 1 (capacity exponent, SPEC 1)',
      'config: eta = 1e400 overflows (not a finite number): must be a finite number > 0 (learning rate)',
    ]);
    expect(problems(undefined, flagsToConfigInput({ N: '16,1e400' }))[0]).toMatch(/^config: N = 1e400 \(list item 2\) overflows/);
  });
  it('names the file the problem came from', () => {
    try {
      resolveSimulateConfig('hard', { alpha: 0.5 }, {}, { fileLabel: 'run.yaml' });
      expect.unreachable();
    } catch (err) {
      expect(formatConfigError(err)).toMatch(/^config \(run\.yaml\): alpha = 0\.5/);
    }
  });
});

describe('cross-field checks', () => {
  it("init 'identity' needs N = M", () => {
    expectOneLine({ init: 'identity', M: 64, N: [64, 32] }, 'init', 'N = 32', 'M = 64');
    expect(problems({ init: 'identity', M: 64, N: 64 })).toEqual([]);
  });
  it('unprojected with N > M is fine', () => {
    expect(problems({ model: 'unprojected', M: 16, N: 64 })).toEqual([]);
  });
  it('absurd sizes are refused with the estimate', () => {
    expectOneLine({ N: 100000, M: 10000, gamma: 0 }, 'N = 100000', 'N·M = 1.00e9', 'GB');
    // With γ > 0 (projected) G = N×N is too large as well.
    expect(problems({ N: 100000, M: 10000 })).toHaveLength(2);
    expectOneLine({ batch: 1e5, M: 1e4, sampler: 'explicit' }, 'batch = 100000', 'B·M = 1.00e9', "'exact'");
    expect(problems({ batch: 1e5, M: 1e4, sampler: 'exact' })).toEqual([]);
    expectOneLine({ data: 1e6, M: 1e3 }, 'data = 1000000', 'P·M = 1.00e9');
  });
  it('G (N·N, projected with γ > 0) is checked like N·M', () => {
    expectOneLine({ N: 20000, M: 100, gamma: [0, 0.5] }, 'N = 20000', 'N·N = 4.00e8', 'GB', 'gamma = 0');
    expect(problems({ N: 20000, M: 100, gamma: 0 })).toEqual([]);
    expect(problems({ N: 20000, M: 100, gamma: 0.5, model: 'unprojected' })).toEqual([]);
  });
  it('task vectors must be finite: w*_k = k^((α-αβ-1)/2) overflowing is refused at config level', () => {
    const line = expectOneLine({ alpha: 400 }, 'alpha = 400', 'beta = 0.5', 'M = 2048', 'w*_k', 'smaller M');
    expect(line).not.toMatch(/simulateSeed|wstar\[/);
    expect(taskProblems({ alpha: 400, beta: 0.5, M: 1 })).toEqual([]); // w*_1 = 1
    expect(taskProblems({ alpha: 400, beta: 1, M: 1e8 })).toEqual([]); // β ≥ 1 - 1/α: w* ≤ 1
    expect(taskProblems({ alpha: 1e308, beta: 10, M: 8 })).toHaveLength(1); // exponent not finite
    // Exactly the configs whose task vectors (lib/task.ts) are not all finite are refused.
    for (const [alpha, beta, M] of [[100, 0.5, 2048], [150, 0.5, 2048], [140, 0, 100], [145, 0, 200], [2, 0.5, 2048]] as const) {
      const t = makeTask(alpha, beta, M);
      const finite = t.wstar.every(Number.isFinite) && t.lambda.every(Number.isFinite);
      expect(taskProblems({ alpha, beta, M }).length === 0).toBe(finite);
    }
  });
  it('λ_M = M^-α below the double range is refused at config level (theory bins would get λ = 0)', () => {
    expect(lambdaProblems({ alpha: 30, beta: 0.5, M: 1e15 })).toHaveLength(1);
    expect(lambdaProblems({ alpha: 30, beta: 0.5, M: 1e15 })[0]).toMatch(/M ≤ 10000000000/);
    expect(lambdaProblems({ alpha: 2, beta: 0.5, M: 1e12 })).toEqual([]);
    expect(lambdaProblems({ alpha: 400, beta: 0.5, M: 2048 })).toEqual([]); // w* overflow is reported instead
  });
  it("record 'all' with more than 1e6 steps is refused", () => {
    expectOneLine({ record: 'all', steps: 2e6 }, "record = 'all'", "use record = 'log'");
    expect(problems({ record: 'all', steps: 1000 })).toEqual([]);
  });
});

describe('inf parsing', () => {
  for (const s of ['inf', 'Inf', 'INF', 'infinity', 'Infinity', '∞', '+inf']) {
    it(`batch = '${s}' is Infinity`, () => {
      expect(resolveSimulateConfig('hard', { batch: s, data: s }).batch).toBe(Infinity);
      expect(resolveSimulateConfig('hard', { data: s }).data).toBe(Infinity);
    });
  }
  it('numeric Infinity (YAML .inf) is accepted for batch and data', () => {
    expect(resolveSimulateConfig('hard', { batch: Infinity }).batch).toBe(Infinity);
  });
  it('flags: numbers, lists, inf and NaN', () => {
    const flags = flagsToConfigInput({
      alpha: '1.5', N: '64,128', gamma: '0', batch: 'inf', steps: '1e3', perSeed: true, out: 'ignored',
    });
    expect(flags).toEqual({ alpha: 1.5, N: [64, 128], gamma: 0, batch: Infinity, steps: 1000, perSeed: true });
    expect(flagsToConfigInput({ eta: 'NaN' }).eta).toBeNaN();
    expect(flagsToConfigInput({ batch: 'abc' }).batch).toBe('abc');
  });
});

describe('layering preset < file < flags', () => {
  it('later layers override earlier ones; scalars become lists', () => {
    const c = resolveSimulateConfig('easy', { beta: 1.3, N: 64, steps: 100 }, { steps: 200, gamma: 0.5 });
    expect(c.alpha).toBe(2);
    expect(c.beta).toBe(1.3);
    expect(c.N).toEqual([64]);
    expect(c.steps).toBe(200);
    expect(c.gamma).toEqual([0.5]);
  });
  it('a preset object works as the base', () => {
    const base = { ...getPreset('hard'), M: 128 };
    expect(resolveSimulateConfig(base, undefined, { N: 16 }).M).toBe(128);
  });
  it('the result holds exactly the config keys', () => {
    const c = resolveSimulateConfig('hard', { $schema: './schema/simulate.schema.json' } as SimulateConfigInput);
    expect(Object.keys(c).sort()).toEqual([...CONFIG_KEYS].sort());
  });
  it('does not mutate the preset', () => {
    resolveSimulateConfig('hard', { N: [1, 2] });
    expect(getPreset('hard').N).toEqual([...PRESETS.hard.config.N]);
  });
});

describe('JSON Schema', () => {
  it('lists every key and forbids others', () => {
    const s = simulateJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    for (const k of CONFIG_KEYS) expect(s.properties).toHaveProperty(k);
    expect(s.additionalProperties).toBe(false);
  });
  it('schema/simulate.schema.json is up to date (regenerate: richscale schema --write schema/simulate.schema.json)', () => {
    const file = JSON.parse(readFileSync(new URL('../../schema/simulate.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(simulateJsonSchema());
  });
  it('the zod schema is strict', () => {
    expect(simulateConfigSchema.safeParse({ nope: 1 }).success).toBe(false);
  });
});
