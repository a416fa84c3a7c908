/**
 * On-disk checkpoints of simulator seeds (docs/algorithm.md section 8): for each seed, a small JSON record (the
 * losses recorded so far, the step reached, the config hash) and, for a seed still running, its full state as a
 * raw little-endian Float64 file (w, G or A, the RNG words; A(0) is redrawn from the seed). Both are written
 * atomically, the state before the record that names it, so a kill at any moment leaves the previous checkpoint
 * or the new one, never a mix. A record that does not match the config hash, or is inconsistent, is ignored
 * (the seed restarts) and reported through `onIgnored`.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../io/atomicWrite.js';
import { makeDirs } from '../io/mkdirs.js';

export interface SavedSeed {
  /** Updates done. */
  stepsDone: number;
  /** True when the seed ran to its end (or diverged): `loss` is complete. */
  done: boolean;
  diverged: boolean;
  divergedAt: number;
  loss: Float64Array;
  trainLoss: Float64Array;
  /** The state after `stepsDone` updates (partial seeds only). */
  state: Float64Array | null;
}

interface SeedRecord {
  version: 1;
  configHash: string;
  stepsDone: number;
  done: boolean;
  diverged: boolean;
  divergedAt: number;
  loss: number[];
  trainLoss: number[];
  stateFile: string | null;
  stateLength: number;
}

export class CheckpointStore {
  private ready: Promise<string[]> | null = null;

  constructor(
    readonly dir: string,
    readonly configHash: string,
    private readonly onIgnored: (key: string, why: string) => void = () => undefined,
  ) {}

  private ensureDir(): Promise<string[]> {
    this.ready ??= makeDirs(this.dir);
    return this.ready;
  }

  /** The seed's checkpoint, or null when there is none usable. */
  async load(key: string, expectedStateLength: number): Promise<SavedSeed | null> {
    let rec: SeedRecord;
    try {
      rec = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as SeedRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onIgnored(key, 'unreadable checkpoint record');
      return null;
    }
    const ignore = (why: string): null => { this.onIgnored(key, why); return null; };
    if (rec.version !== 1 || rec.configHash !== this.configHash) return ignore('checkpoint of another config');
    if (!Number.isSafeInteger(rec.stepsDone) || rec.stepsDone < 0 || !Array.isArray(rec.loss) || !Array.isArray(rec.trainLoss)) {
      return ignore('corrupt checkpoint record');
    }
    let state: Float64Array | null = null;
    if (!rec.done) {
      if (rec.stateFile === null || rec.stateLength !== expectedStateLength) return ignore('checkpoint state of another shape');
      try {
        const buf = await readFile(join(this.dir, rec.stateFile));
        if (buf.byteLength !== expectedStateLength * 8) return ignore('truncated checkpoint state');
        state = new Float64Array(expectedStateLength);
        new Uint8Array(state.buffer).set(buf);
      } catch {
        return ignore('missing checkpoint state');
      }
    }
    return {
      stepsDone: rec.stepsDone, done: rec.done, diverged: rec.diverged, divergedAt: rec.divergedAt,
      loss: Float64Array.from(rec.loss), trainLoss: Float64Array.from(rec.trainLoss), state,
    };
  }

  /** Write the seed's checkpoint (state first, then the record naming it; then drop the state it replaces). */
  async save(key: string, s: SavedSeed): Promise<void> {
    await this.ensureDir();
    const previous = await readFile(join(this.dir, `${key}.json`), 'utf8')
      .then((t) => (JSON.parse(t) as SeedRecord).stateFile).catch(() => null);
    let stateFile: string | null = null;
    if (!s.done && s.state) {
      stateFile = `${key}.t${s.stepsDone}.state`;
      await atomicWrite(join(this.dir, stateFile), new Uint8Array(s.state.buffer, s.state.byteOffset, s.state.byteLength));
    }
    const rec: SeedRecord = {
      version: 1, configHash: this.configHash, stepsDone: s.stepsDone, done: s.done, diverged: s.diverged,
      divergedAt: s.divergedAt, loss: Array.from(s.loss), trainLoss: Array.from(s.trainLoss), stateFile,
      stateLength: s.state?.length ?? 0,
    };
    await atomicWrite(join(this.dir, `${key}.json`), JSON.stringify(rec));
    if (previous && previous !== stateFile) await rm(join(this.dir, previous), { force: true });
  }

  /** Remove the whole checkpoint folder (after the run's outputs are written). */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
