/**
 * Command-line flag values → one config layer. Flags arrive as strings; numbers are converted here and
 * anything that is not a number is passed through unchanged, so the schema reports it with the key, the
 * value and the allowed range (e.g. `--batch abc` → "config: batch = 'abc' is not valid: …").
 */
import { CONFIG_KEYS, KEYS, type SimulateConfigInput } from './schema.js';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const INF = /^([+-]?)(?:inf|infinity|∞)$/i;

/**
 * '2' → 2, '1e6' → 1000000, 'inf' → Infinity, 'NaN' → NaN; anything else stays a string. A literal that
 * overflows a double ('1e400') stays a string too, so that the schema can quote it ("eta = 1e400 overflows").
 */
export function parseNumberToken(s: string): number | string {
  const t = s.trim();
  if (NUMBER.test(t)) return Number.isFinite(Number(t)) ? Number(t) : t;
  const inf = INF.exec(t);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return s;
}

/** '64,128' → [64, 128]; '64' → 64 (a single value stays scalar). */
export function parseListToken(s: string): number | string | Array<number | string> {
  const items = s.split(',').map(parseNumberToken);
  return items.length === 1 ? items[0]! : items;
}

/**
 * Commander's option values (attribute names = config keys) → a config layer holding only the keys that were
 * given. Non-config options (out, threads, …) are ignored.
 */
export function flagsToConfigInput(opts: Record<string, unknown>): SimulateConfigInput {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const v = opts[key];
    if (v === undefined) continue;
    const kind = KEYS[key].kind;
    if (typeof v !== 'string') out[key] = v;
    else if (kind === 'number') out[key] = parseNumberToken(v);
    else if (kind === 'list') out[key] = parseListToken(v);
    else out[key] = v;
  }
  // Validated by the schema later; the cast only names the intended shape.
  return out as SimulateConfigInput;
}

/** Commander attribute name of a flag: '--record-points <int>' → 'recordPoints', '--M <int>' → 'M'. */
export function attributeName(flag: string): string {
  const long = flag.split(/[ ,|]+/).find((f) => f.startsWith('--')) ?? flag;
  return long.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
