import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../lib/config/load.js';
import { ConfigError, resolveSimulateConfig } from '../../lib/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'richscale-load-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected an error');
}

describe('loadConfigFile', () => {
  it('reads JSON', async () => {
    expect(await loadConfigFile(file('a.json', '{"alpha": 1.5, "N": [8, 16], "batch": "inf"}'))).toEqual({
      alpha: 1.5, N: [8, 16], batch: 'inf',
    });
  });
  it('reads YAML (.yaml and .yml), including .inf', async () => {
    const y = await loadConfigFile(file('a.yaml', 'alpha: 1.5\nN: [8, 16]\nbatch: .inf\ndata: inf\nsteps: 1e3\n'));
    expect(y).toEqual({ alpha: 1.5, N: [8, 16], batch: Infinity, data: 'inf', steps: 1000 });
    const c = resolveSimulateConfig('hard', y);
    expect(c.batch).toBe(Infinity);
    expect(c.data).toBe(Infinity);
    expect(await loadConfigFile(file('b.yml', 'perSeed: true\n'))).toEqual({ perSeed: true });
  });
  it('other extensions: JSON first, then YAML', async () => {
    expect(await loadConfigFile(file('c.conf', '{"M": 4}'))).toEqual({ M: 4 });
    expect(await loadConfigFile(file('d.txt', 'M: 4\n'))).toEqual({ M: 4 });
    expect(await errorOf(loadConfigFile(file('e.cfg', 'M: [4\n')))).toMatch(
      /^config: '.*e\.cfg' is neither valid JSON nor valid YAML: /,
    );
  });
  it('unreadable file', async () => {
    expect(await errorOf(loadConfigFile('/nonexistent.yaml'))).toMatch(
      /^config: cannot read '\/nonexistent\.yaml': ENOENT/,
    );
    expect(await errorOf(loadConfigFile(dir))).toMatch(/^config: cannot read .*EISDIR/);
  });
  it('parse errors', async () => {
    expect(await errorOf(loadConfigFile(file('bad.json', '{"alpha": 2,}')))).toMatch(
      /^config: '.*bad\.json' is not valid JSON: /,
    );
    expect(await errorOf(loadConfigFile(file('bad.yaml', 'alpha: [2\n')))).toMatch(
      /^config: '.*bad\.yaml' is not valid YAML: .*line/,
    );
    expect(await errorOf(loadConfigFile(file('dup.yaml', 'M: 1\nM: 2\n')))).toMatch(/not valid YAML: Map keys must be unique/);
  });
  it('non-object content', async () => {
    expect(await errorOf(loadConfigFile(file('list.json', '[1, 2]')))).toMatch(/must hold a mapping .* got a list$/);
    expect(await errorOf(loadConfigFile(file('num.yaml', '3\n')))).toMatch(/got a number/);
    expect(await errorOf(loadConfigFile(file('empty.yaml', '')))).toMatch(/^config: '.*empty\.yaml' is empty: expected a mapping/);
    expect(await errorOf(loadConfigFile(file('comments.yaml', '# nothing\n\n')))).toMatch(/is empty/);
    expect(await errorOf(loadConfigFile(file('empty.json', ' \n')))).toMatch(/is empty/);
  });
  it('a file holding null says so', async () => {
    expect(await errorOf(loadConfigFile(file('null.json', 'null\n')))).toMatch(
      /^config: '.*null\.json' holds null: expected a mapping of config keys to values$/,
    );
    expect(await errorOf(loadConfigFile(file('null.yaml', '~\n')))).toMatch(/holds null/);
  });
  it('a richscale run.json stands for its config', async () => {
    const run = { richscale: '0.1.0', command: 'richscale simulate', config: { M: 64, batch: 'inf', N: [16] }, runs: [] };
    expect(await loadConfigFile(file('run.json', JSON.stringify(run)))).toEqual({ M: 64, batch: 'inf', N: [16] });
    expect(await errorOf(loadConfigFile(file('run2.json', JSON.stringify({ ...run, config: 3 }))))).toMatch(
      /looks like a richscale run\.json, but its "config" is a number/,
    );
    // Only with both keys: anything else is an ordinary config (and its unknown keys are errors).
    expect(await loadConfigFile(file('other.json', '{"config": {"M": 4}}'))).toEqual({ config: { M: 4 } });
  });
  it('parseConfigText strips nothing it should not', () => {
    expect(parseConfigText('# comment\nseed: 3\n', 'x.yaml')).toEqual({ seed: 3 });
  });
});
