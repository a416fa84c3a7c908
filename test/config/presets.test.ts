import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET, PRESETS, getPreset, listPresets, presetsHelp } from '../../lib/config/presets.js';
import { ConfigError, CONFIG_KEYS, formatConfigError, resolveSimulateConfig } from '../../lib/config/schema.js';

describe('presets', () => {
  it('has hard, easy and super-easy, with the default among them', () => {
    expect(Object.keys(PRESETS)).toEqual(expect.arrayContaining(['hard', 'easy', 'super-easy']));
    expect(Object.keys(PRESETS)).toContain(DEFAULT_PRESET);
    expect(DEFAULT_PRESET).toBe('hard');
  });
  for (const { name } of listPresets()) {
    it(`${name} validates and is complete`, () => {
      const c = resolveSimulateConfig(name);
      expect(c).toEqual(getPreset(name));
      expect(Object.keys(c).sort()).toEqual([...CONFIG_KEYS].sort());
      // Every preset compares the lazy limit with a rich run.
      expect(c.gamma[0]).toBe(0);
      expect(c.gamma.some((g) => g > 0)).toBe(true);
    });
  }
  it('task classes match SPEC 1 (α = 2: easy below 2 - 1/α = 1.5)', () => {
    expect(getPreset('hard').beta).toBeLessThan(1);
    expect(getPreset('easy').beta).toBeGreaterThan(1);
    expect(getPreset('easy').beta).toBeLessThan(2 - 1 / getPreset('easy').alpha);
    expect(getPreset('super-easy').beta).toBeGreaterThan(2 - 1 / getPreset('super-easy').alpha);
  });
  it('every preset has a one-line description', () => {
    for (const p of listPresets()) expect(p.describe).toMatch(/^[^\n]+$/);
    expect(presetsHelp().split('\n')).toHaveLength(listPresets().length);
  });
  it('unknown preset → one line listing the valid names', () => {
    expect(() => getPreset('nope')).toThrow(ConfigError);
    try {
      resolveSimulateConfig('nope');
    } catch (err) {
      expect(formatConfigError(err)).toBe("config: unknown preset 'nope' (valid presets: hard, easy, super-easy)");
    }
  });
  it('getPreset returns a copy', () => {
    const a = getPreset('hard');
    a.N.push(1);
    expect(getPreset('hard').N).toEqual([...PRESETS.hard.config.N]);
  });
});
