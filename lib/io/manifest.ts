/**
 * manifest.json: written when a run starts and updated when it completes, so an output folder always says which
 * config (and its hash) it holds and whether it is finished. A folder is never reused for another config, and
 * `--resume DIR` takes its config from here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from './atomicWrite.js';
import { richscaleVersion } from './version.js';

export const MANIFEST_FILE = 'manifest.json';

export interface Manifest {
  tool: 'richscale';
  command: string;
  version: string;
  configHash: string;
  /** The resolved config, in the config-file format (usable as --config). */
  config: Record<string, unknown>;
  status: 'running' | 'complete';
  createdAt: string;
  updatedAt: string;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** The folder's manifest, or null when it has none; a manifest that cannot be parsed is an error. */
export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new ManifestError(`cannot read '${join(dir, MANIFEST_FILE)}': ${(err as Error).message}`);
  }
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    if (m.tool !== 'richscale' || typeof m.command !== 'string' || typeof m.configHash !== 'string' ||
      typeof m.config !== 'object' || m.config === null || (m.status !== 'running' && m.status !== 'complete')) {
      throw new Error('missing fields');
    }
    return m as Manifest;
  } catch {
    throw new ManifestError(`'${join(dir, MANIFEST_FILE)}' is not a richscale manifest (corrupt or edited)`);
  }
}

export async function writeManifest(
  dir: string, m: Omit<Manifest, 'tool' | 'version' | 'updatedAt' | 'createdAt'> & { createdAt?: string },
): Promise<Manifest> {
  const now = new Date().toISOString();
  const full: Manifest = {
    tool: 'richscale', command: m.command, version: richscaleVersion(), configHash: m.configHash, config: m.config,
    status: m.status, createdAt: m.createdAt ?? now, updatedAt: now,
  };
  await atomicWrite(join(dir, MANIFEST_FILE), JSON.stringify(full, null, 2) + '\n');
  return full;
}
