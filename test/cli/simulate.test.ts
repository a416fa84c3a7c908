/** End-to-end tests of the compiled CLI (npm test runs tsc first). */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET, PRESETS, presetValuesLine } from '../../lib/config/presets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin', 'richscale.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'richscale-cli-'));

function run(args: string[], env: Record<string, string> = {}, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp(),
    encoding: 'utf8',
    env: { ...process.env, RICHSCALE_DEBUG: '', OPENBLAS_NUM_THREADS: '1', ...env },
    timeout,
  });
}

const fileWith = (name: string, text: string): string => {
  const p = join(tmp(), name);
  writeFileSync(p, text);
  return p;
};

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
    ['several problems (one line)', () => ['--alpha', '1', '--eta', '0'],
      /^richscale: config: alpha = 1 is out of range: must be > 1 \(capacity exponent, SPEC 1\); eta = 0 is out of range: must be a finite number > 0 \(learning rate\)$/],
    ['several problems in a file and flags (one line)', () => ['--config', fileWith('x.yaml', 'beta: -1\nfoo: 2\n'), '--M', '0'],
      /^richscale: config \(.*x\.yaml\): beta = -1 is out of range: .*; unknown key 'foo' .*; config: M = 0 is out of range/],
    ['--alpha 400 (task vectors overflow)', () => ['--alpha', '400'],
      /^richscale: config: alpha = 400, beta = 0\.5 and M = 2048 give target weights w\*_k = k\^\(\(α-αβ-1\)\/2\) of about 10\^329 at k = M, which do not fit in a double/],
    ['--eta 1e400', () => ['--eta', '1e400'], /^richscale: config: eta = 1e400 overflows \(not a finite number\): must be a finite number > 0/],
    ['perSeed: "yes" in a config', () => ['--config', fileWith('p.json', '{"perSeed": "yes"}')],
      /^richscale: config \(.*p\.json\): perSeed = 'yes' is not a boolean: must be true or false/],
    ['a config holding null', () => ['--config', fileWith('n.json', 'null')], /^richscale: config: '.*n\.json' holds null: expected a mapping of config keys to values$/],
    ['G too large (N·N, γ > 0)', () => ['--N', '20000', '--M', '64'], /^richscale: config: N = 20000 with gamma = 0\.5 is too large for model = 'projected': G would have N·N = 4\.00e8 elements/],
    ['over --max-memory', () => ['--max-memory', '10M'],
      /^richscale: config: this run needs about \d+(\.\d+)? MB of memory \(.*\), more than --max-memory 10\.0 MB: reduce N or M, .*or raise --max-memory$/],
    ['bad --max-memory', () => ['--max-memory', 'lots'], /^richscale: config: max-memory = 'lots' is not valid/],
    ['diverging run', () => ['--M', '64', '--N', '16', '--steps', '200', '--eta', '5', '--batch', 'inf', '--gamma', '0.5', '--seeds', '1'],
      /^richscale: diverged at step \d+ \(γ = 0\.5, N = 16, seed index 0\): .*e\.g\. --eta 1 \(now 5\), or a smaller γ than 0\.5: stability needs η·λ_max < 2, and the kernel grows by 1 \+ γ\|w\|²$/],
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
    for (const flag of ['--force', '--max-memory']) expect(h.stdout).toContain(flag);
    // The default preset's values, generated from the preset table.
    expect(h.stdout).toContain(`  ${presetValuesLine(DEFAULT_PRESET)}\n`);
    expect(presetValuesLine('hard')).toBe(
      'hard preset: α = 2, β = 0.5, M = 2048, N = 512, γ = 0,0.5, η = 0.25, B = 64, steps = 3000, seeds = 8',
    );
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

  /** Start a long run, wait until `ready(out)` (then `settleMs`), send `signal`; resolves with exit code and stderr. */
  async function interrupt(
    args: string[], signal: NodeJS.Signals, ready: (out: string) => boolean, out: string, settleMs = 0,
  ): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [BIN, 'simulate', ...args, '--out', out], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', RICHSCALE_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));
    const t0 = Date.now();
    while (!done && !ready(out) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 10));
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return { code, stderr };
  }
  const LONG = ['--M', '256', '--N', '64', '--steps', '100000000', '--seeds', '1', '--threads', '1'];
  const started = (out: string): boolean => existsSync(out);

  it('SIGINT stops a long run: exit 130, progress saved, one line saying how to resume, no result files', async () => {
    const out = join(tmp(), 'int');
    // The output directory is created just before the signal handlers are installed and the run starts.
    const { code, stderr } = await interrupt(LONG, 'SIGINT', started, out, 300);
    expect(code).toBe(130);
    expect(stderr).toBe(`richscale: interrupted (SIGINT): progress saved in ${out}; continue with: richscale simulate --resume ${out}\n`);
    expect(readdirSync(out).sort()).toEqual(['.checkpoint', 'manifest.json']);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ status: 'running', command: 'simulate' });
  });

  it('SIGINT without checkpoints (--checkpoint-every 0): "richscale: interrupted (SIGINT)", no output folder left', async () => {
    const out = join(tmp(), 'int0');
    const { code, stderr } = await interrupt([...LONG, '--checkpoint-every', '0'], 'SIGINT', started, out, 300);
    expect(code).toBe(130);
    expect(stderr).toBe('richscale: interrupted (SIGINT)\n');
    expect(existsSync(out)).toBe(false); // the output directory is removed again
  });

  it('SIGTERM stops a long run with exit 143', async () => {
    const out = join(tmp(), 'nested', 'term');
    const { code, stderr } = await interrupt([...LONG, '--checkpoint-every', '0'], 'SIGTERM', started, out, 300);
    expect(code).toBe(143);
    expect(stderr).toBe('richscale: interrupted (SIGTERM)\n');
    expect(existsSync(join(out, '..'))).toBe(false); // every directory the run created is removed again
  });

  it('SIGTERM while the outputs are written: exit 143, no half-written or temp file, no run.json', async () => {
    const out = join(tmp(), 'writing');
    // 2 × 2 × 10^6 recorded steps: writing curve.csv (~140 MB) takes a while; signal once its temp file appears.
    const args = ['--M', '16', '--N', '4', '--steps', '1000000', '--record', 'all', '--seeds', '2', '--batch', 'inf', '--threads', '1'];
    // Only curve.csv's temp file counts: manifest.json's is written at start-up, possibly before the handlers exist.
    const writing = (o: string): boolean => existsSync(o) && readdirSync(o).some((f) => f.startsWith('.curve.csv.') && f.endsWith('.tmp'));
    const { code, stderr } = await interrupt(args, 'SIGTERM', writing, out);
    expect(stderr).toBe(`richscale: interrupted (SIGTERM): progress saved in ${out}; continue with: richscale simulate --resume ${out}\n`);
    expect(code).toBe(143);
    // The finished seeds stay checkpointed (a resume only writes the outputs); no result file, no temp file.
    expect(readdirSync(out).sort()).toEqual(['.checkpoint', 'manifest.json']);
  }, 120_000);

  it('--out under /proc fails at once with one line (no endless mkdir)', () => {
    const r = run(['simulate', '--M', '64', '--N', '16', '--steps', '10', '--out', '/proc/x'], {}, 10_000);
    expect(r.error).toBeUndefined(); // not killed by the 10 s timeout
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("richscale: cannot create output directory '/proc/x': ENOENT: no such file or directory, mkdir '/proc/x'\n");
  });

  it('--out holding a run is refused unless --force', () => {
    const out = join(tmp(), 'again');
    const args = ['simulate', '--M', '32', '--N', '8', '--steps', '10', '--seeds', '2', '--threads', '1', '--quiet', '--out', out];
    expect(run(args).status).toBe(0);
    const before = readFileSync(join(out, 'run.json'), 'utf8');
    const r = run(args);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `richscale: output directory '${out}' already holds a richscale run (run.json): choose another --out, or add --force to overwrite it`,
    ]);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(before);
    const f = run([...args, '--force', '--seeds', '3']);
    expect(f.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).config.seeds).toBe(3);
    // An existing directory without a run is fine.
    const empty = join(tmp(), 'empty');
    mkdirSync(empty);
    expect(run([...args.slice(0, -1), empty]).status).toBe(0);
  });

  it('run.json is reusable with --config: the run reproduces curve.csv byte for byte', () => {
    const a = join(tmp(), 'a');
    const b = join(tmp(), 'b');
    const first = run(['simulate', '--M', '64', '--N', '16,8', '--steps', '60', '--seeds', '3', '--data', '40', '--batch', '4',
      '--per-seed', '--seed', '7', '--threads', '2', '--quiet', '--out', a]);
    expect(first.stderr).toBe('');
    const second = run(['simulate', '--config', join(a, 'run.json'), '--threads', '2', '--quiet', '--out', b]);
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    const csvA = readFileSync(join(a, 'curve.csv'));
    expect(csvA.length).toBeGreaterThan(1000);
    expect(readFileSync(join(b, 'curve.csv')).equals(csvA)).toBe(true);
    expect(JSON.parse(readFileSync(join(b, 'run.json'), 'utf8')).config).toEqual(
      JSON.parse(readFileSync(join(a, 'run.json'), 'utf8')).config,
    );
  });

  it('one seed: std and stderr are empty fields, null in --json', () => {
    const out = join(tmp(), 'one');
    const r = run(['simulate', '--M', '32', '--N', '8', '--steps', '10', '--seeds', '1', '--threads', '1', '--json', '--out', out]);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.runs[0].finalLoss.std).toBeNull();
    expect(s.runs[0].finalLoss.stderr).toBeNull();
    const csv = lines(readFileSync(join(out, 'curve.csv'), 'utf8'));
    for (const l of csv.slice(1)) expect(l).toMatch(/^[^,]+,[^,]+,[^,]+,[^,]+,,$/);
  });
});
