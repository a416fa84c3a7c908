import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSobolevConfig, SOBOLEV_DEFAULTS, sobolevJsonSchema } from '../../lib/mlp/config.js';

describe('sobolev config JSON Schema', () => {
  it('schema/sobolev.schema.json is up to date (regenerate: richscale schema --command sobolev --write schema/sobolev.schema.json)', () => {
    const file = JSON.parse(readFileSync(new URL('../../schema/sobolev.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(sobolevJsonSchema());
  });
  it('states the same keys and integer ranges the validator enforces', () => {
    const s = sobolevJsonSchema() as { additionalProperties: boolean; properties: Record<string, { minimum?: number; maximum?: number }> };
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties).sort()).toEqual(Object.keys(SOBOLEV_DEFAULTS).sort());
    for (const [key, p] of Object.entries(s.properties)) {
      if (p.minimum === undefined || p.maximum === undefined) continue;
      const at = (v: number) => () => resolveSobolevConfig(SOBOLEV_DEFAULTS, [{ input: { [key]: v }, label: 'config' }]);
      expect(at(p.minimum - 1), `${key} below its minimum`).toThrow(new RegExp(`${key} = `));
      expect(at(p.maximum + 1), `${key} above its maximum`).toThrow(new RegExp(`${key} = `));
    }
  });
});
