import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWrite } from '../../lib/io/atomicWrite.js';

describe('atomicWrite', () => {
  it('writes strings, bytes and chunk iterables, leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'richscale-atomic-'));
    await atomicWrite(join(dir, 'a.txt'), 'hello\n');
    await atomicWrite(join(dir, 'b.bin'), new Uint8Array([1, 2, 3]));
    const big = Array.from({ length: 50000 }, (_, i) => `${i},${'x'.repeat(30)}\n`);
    await atomicWrite(join(dir, 'c.csv'), big.values());
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('hello\n');
    expect([...readFileSync(join(dir, 'b.bin'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'c.csv'), 'utf8')).toBe(big.join(''));
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.bin', 'c.csv']);
  });
  it('replaces an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'richscale-atomic-'));
    const p = join(dir, 'run.json');
    writeFileSync(p, 'old');
    await atomicWrite(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['run.json']);
  });
  it('removes the temp file when writing fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'richscale-atomic-'));
    function* failing(): Generator<string> {
      yield 'partial';
      throw new Error('boom');
    }
    await expect(atomicWrite(join(dir, 'x.csv'), failing())).rejects.toThrow('boom');
    expect(readdirSync(dir)).toEqual([]);
  });
  it('fails cleanly when the directory does not exist', async () => {
    await expect(atomicWrite('/nonexistent-dir-richscale/x.txt', 'x')).rejects.toThrow(/ENOENT/);
  });
});
