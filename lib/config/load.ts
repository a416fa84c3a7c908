/**
 * Reading `--config FILE`: JSON (.json) or YAML (.yaml, .yml); any other extension is tried as JSON, then
 * YAML. A richscale run.json (an object with "richscale" and "config" keys) stands for its "config". Every
 * failure is one line starting with "config:".
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { ConfigError } from './errors.js';

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s.trim();

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

/** No content besides blanks and (YAML) comments. */
const isBlank = (text: string): boolean => text.split('\n').every((l) => /^\s*(#.*)?$/.test(l));

/** A richscale run.json: its "config" is the resolved config of that run. */
function isRunJson(v: object): v is { richscale: unknown; config: unknown } {
  return Object.hasOwn(v, 'richscale') && Object.hasOwn(v, 'config');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: firstLine((err as Error).message) };
  }
}

function parseYaml(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  // Non-finite numbers and 'inf' are legal here: the schema decides which keys may hold them.
  const docs = YAML.parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return { ok: true, value: null }; // empty stream
  if (docs.length > 1) return { ok: false, error: `holds ${docs.length} YAML documents, expected one` };
  const doc = docs[0];
  if (doc === undefined) return { ok: true, value: null };
  // Warnings too (e.g. an unsupported %YAML version): a config file is read strictly.
  const error = doc.errors[0] ?? doc.warnings[0];
  if (error !== undefined) {
    // prettyErrors: "… at line 2, column 1:" followed by a code frame; keep the first line.
    return { ok: false, error: firstLine(error.message).replace(/:$/, '') };
  }
  // A key that is a list or mapping ("? [a, b]: 1") has no JS name; yaml would stringify it with a process warning.
  let complexKey: string | undefined;
  YAML.visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !YAML.isScalar(pair.key)) {
        complexKey = firstLine(String(pair.key));
        return YAML.visit.BREAK;
      }
      return undefined;
    },
  });
  if (complexKey !== undefined) return { ok: false, error: `key ${complexKey} is not a plain name` };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { ok: false, error: firstLine((err as Error).message) };
  }
}

/** Parse config text; `name` is used in messages and decides the format by extension. */
export function parseConfigText(text: string, name: string): Record<string, unknown> {
  const ext = extname(name).toLowerCase();
  if (text.trim() === '' || (ext !== '.json' && isBlank(text))) {
    throw new ConfigError(`config: '${name}' is empty: expected a mapping of config keys to values`);
  }
  let value: unknown;
  if (ext === '.json') {
    const r = parseJson(text);
    if (!r.ok) throw new ConfigError(`config: '${name}' is not valid JSON: ${r.error}`);
    value = r.value;
  } else if (ext === '.yaml' || ext === '.yml') {
    const r = parseYaml(text);
    if (!r.ok) throw new ConfigError(`config: '${name}' is not valid YAML: ${r.error}`);
    value = r.value;
  } else {
    const j = parseJson(text);
    if (j.ok) value = j.value;
    else {
      const y = parseYaml(text);
      if (!y.ok) throw new ConfigError(`config: '${name}' is neither valid JSON nor valid YAML: ${y.error}`);
      value = y.value;
    }
  }
  if (value === null || value === undefined) {
    throw new ConfigError(`config: '${name}' holds null: expected a mapping of config keys to values`);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config: '${name}' must hold a mapping of config keys to values, got ${describe(value)}`);
  }
  // A run.json written by `richscale simulate` is accepted as it is: its "config" holds the resolved config.
  if (isRunJson(value)) {
    const config = value.config;
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new ConfigError(
        `config: '${name}' looks like a richscale run.json, but its "config" is ${describe(config)}, not a mapping`,
      );
    }
    return config as Record<string, unknown>;
  }
  return value as Record<string, unknown>;
}

/** Config files are small; reading stops beyond this size (a device such as /dev/zero, or the wrong file). */
export const MAX_CONFIG_BYTES = 16 * 2 ** 20;

/** The file's bytes, refused beyond `max` bytes without reading further (so an endless device cannot hang us). */
async function readBounded(path: string, max: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks);
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw new ConfigError(`config: '${path}' is larger than ${max / 2 ** 20} MiB: not a config file`);
    }
  } finally {
    await fh.close();
  }
}

/** Read and parse a config file (not yet validated: see resolveSimulateConfig). */
export async function loadConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = (await readBounded(path, MAX_CONFIG_BYTES)).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(`config: cannot read '${path}': ${firstLine(e.message ?? String(e))}`);
  }
  return parseConfigText(text.replace(/^\uFEFF/, ''), path);
}
