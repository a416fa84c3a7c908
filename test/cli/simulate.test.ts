/** End-to-end tests of the compiled CLI (npm test runs tsc first). */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../lib/config/presets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin', 'richscale.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'richscale-cli-'));

function run(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp(),
    encoding: 'utf8',
    env: { ...process.env, RICHSCALE_DEBUG: '', OPENBLAS_NUM_THREADS: '1', ...env },
    timeout: 120_000,
  });
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

function parseCsv(text: string): { header: string[]; rows: number[][] } {
  const [head, ...body] = lines(text);
  return { header: head!.split(','), rows: body.map((l) => l.split(',').map(Number)) };
}

describe('richscale simulate (end to end)', () => {
  it('a tiny real run writes curve.csv, run.json, loss.png, loss.svg', () => {
    const out = join(tmp(), 'run');
    const r = run(['simulate', '--M', '64', '--N', '16', '--steps', '50', '--seeds', '2', '--threads', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of ['curve.csv', 'run.json', 'loss.png', 'loss.svg']) expect(existsSync(join(out, f))).toBe(true);
    expect(r.stdout).toContain(`results in ${out} (curve.csv, run.json, loss.png, loss.svg)`);
    expect(r.stdout).toMatch(/^γ\s+N\s+final loss/m);

    const csv = parseCsv(readFileSync(join(out, 'curve.csv'), 'utf8'));
    expect(csv.header).toEqual(['gamma', 'N', 'step', 'loss_mean', 'loss_std', 'loss_stderr']);
    expect(csv.rows.length).toBeGreaterThan(2);
    for (const row of csv.rows) {
      expect(row).toHaveLength(6);
      for (const x of row) expect(Number.isFinite(x)).toBe(true);
    }
    expect(new Set(csv.rows.map((r) => r[0]))).toEqual(new Set(PRESETS.hard.config.gamma)); // the hard preset's γ values
    expect(Math.max(...csv.rows.map((r) => r[2]!))).toBe(50);

    const j = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(j.config).toEqual({
      ...PRESETS.hard.config, M: 64, N: [16], gamma: [...PRESETS.hard.config.gamma], data: 'inf', steps: 50,
      seeds: 2, seed: 0, perSeed: false,
    });
    expect(j.runs).toHaveLength(2);
    expect(j.files).toEqual(['curve.csv', 'run.json', 'loss.png', 'loss.svg']);
    expect(j.command).toContain('richscale simulate --M 64');
    expect(readFileSync(join(out, 'loss.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toContain('<svg');
  });

  it('--json prints only JSON on stdout; config file + flags + per-seed + finite data', () => {
    const dir = tmp();
    const cfg = join(dir, 'run.yaml');
    writeFileSync(cfg, 'M: 32\nN: [8]\ngamma: [0.5]\nsteps: 20\nseeds: 3\ndata: 40\nbatch: 4\nperSeed: true\n');
    const out = join(dir, 'out');
    const r = run(['simulate', '--config', cfg, '--steps', '30', '--threads', '1', '--json', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.outDir).toBe(out);
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0].finalStep).toBe(30);
    expect(Number.isFinite(s.runs[0].finalLoss.mean)).toBe(true);
    expect(s.runs[0].finalTrainLoss).not.toBeNull();
    const csv = parseCsv(readFileSync(s.files.curve, 'utf8'));
    expect(csv.header.slice(6)).toEqual([
      'train_mean', 'train_std', 'train_stderr', 'seed_0', 'seed_1', 'seed_2', 'train_seed_0', 'train_seed_1', 'train_seed_2',
    ]);
    const j = JSON.parse(readFileSync(s.files.run, 'utf8'));
    expect(j.config).toMatchObject({ M: 32, steps: 30, data: 40, batch: 4, seeds: 3, gamma: [0.5] });
    expect(j.configFile).toBe(cfg);
  });

  it('the reference backend works too', () => {
    const out = join(tmp(), 'ref');
    const r = run(['simulate', '--M', '32', '--N', '8', '--steps', '10', '--seeds', '1', '--backend', 'reference', '--quiet', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`results in ${out}\n`);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).backend).toBe('reference');
  });

  const unknownKeyConfig = (): string => {
    const p = join(tmp(), 'bad.json');
    writeFileSync(p, JSON.stringify({ alpha: 2, colour: 'red' }));
    return p;
  };
  const bad: Array<[string, () => string[], RegExp]> = [
    ['--N -5', () => ['--N', '-5'], /^richscale: config: N = -5 is out of range/],
    ['--alpha 1', () => ['--alpha', '1'], /^richscale: config: alpha = 1 is out of range: must be > 1/],
    ['--eta 0', () => ['--eta', '0'], /^richscale: config: eta = 0 is out of range/],
    ['--eta NaN', () => ['--eta', 'NaN'], /^richscale: config: eta = NaN is not a finite number/],
    ['--preset nope', () => ['--preset', 'nope'], /^richscale: config: unknown preset 'nope' \(valid presets: hard, easy, super-easy\)$/],
    ['--config /nonexistent.yaml', () => ['--config', '/nonexistent.yaml'], /^richscale: config: cannot read '\/nonexistent\.yaml': ENOENT/],
    ['config with an unknown key', () => ['--config', unknownKeyConfig()], /^richscale: config \(.*bad\.json\): unknown key 'colour'/],
    ['--batch abc', () => ['--batch', 'abc'], /^richscale: config: batch = 'abc' is not valid: must be an integer ≥ 1 or 'inf'/],
    ['--init identity (N ≠ M)', () => ['--init', 'identity'], /^richscale: config: init = 'identity' requires N = M/],
    ['--threads 0', () => ['--threads', '0'], /^richscale: config: threads = 0/],
    ['unknown option', () => ['--colour', 'red'], /^richscale: unknown option '--colour'$/],
    ['misspelt option', () => ['--record-point', '3'], /^richscale: unknown option '--record-point' \(Did you mean --record-points\?\)$/],
    ['bad --backend', () => ['--backend', 'gpu'], /^richscale: option '--backend <kind>' argument 'gpu' is invalid/],
  ];
  for (const [name, args, pattern] of bad) {
    it(`bad input ${name}: exit ≠ 0, exactly one line on stderr, no stack trace`, () => {
      const out = join(tmp(), 'never');
      const r = run(['simulate', ...args(), '--out', out]);
      expect(r.status).not.toBe(0);
      expect(r.status).not.toBeNull();
      expect(lines(r.stderr)).toHaveLength(1);
      expect(lines(r.stderr)[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  }

  it('RICHSCALE_DEBUG=1 adds the stack trace', () => {
    const r = run(['simulate', '--alpha', '1'], { RICHSCALE_DEBUG: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('usage errors exit 2, config errors exit 1', () => {
    expect(run(['simulate', '--colour']).status).toBe(2);
    expect(run(['simulate', '--alpha', '1']).status).toBe(1);
  });

  it('--help and --version exit 0', () => {
    const h = run(['simulate', '--help']);
    expect(h.status).toBe(0);
    for (const flag of ['--alpha', '--M', '--N', '--record-points', '--per-seed', '--config', '--preset', '--out', '--threads', '--backend', '--json', '--quiet']) {
      expect(h.stdout).toContain(flag);
    }
    expect(h.stdout).toContain('super-easy');
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('richscale schema prints the JSON Schema', () => {
    const r = run(['schema']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.alpha.exclusiveMinimum).toBe(1);
  });

  it('SIGINT stops a long run: "simulate: interrupted", exit 130, no output files', async () => {
    const out = join(tmp(), 'int');
    const child = spawn(
      process.execPath,
      [BIN, 'simulate', '--M', '256', '--N', '64', '--steps', '100000000', '--seeds', '1', '--threads', '1', '--out', out],
      { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The output directory is created just before the signal handlers are installed and the run starts.
    const t0 = Date.now();
    while (!existsSync(out) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(130);
    expect(stderr).toBe('simulate: interrupted\n');
    expect(existsSync(out)).toBe(false); // the empty output directory is removed again
  });
});
