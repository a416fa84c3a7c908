/** Configuration errors: every problem is one user-facing phrase starting with "config"; all of them form one line. */

const PREFIX = /^(config(?: \([^)]*\))?): /;

/**
 * Several problems as ONE line: joined with '; ', and a problem that repeats the previous problem's prefix
 * ("config:", "config (run.yaml):") drops it, e.g.
 * "config: alpha = 1 is out of range: must be > 1 (…); eta = 0 is out of range: must be > 0 (…)".
 */
export function joinProblems(problems: readonly string[]): string {
  let last: string | undefined;
  const parts: string[] = [];
  for (const raw of problems) {
    const p = raw.replace(/\s*\n\s*/g, ' ').trim();
    const prefix = PREFIX.exec(p)?.[1];
    parts.push(prefix !== undefined && prefix === last ? p.slice(prefix.length + 2) : p);
    if (prefix !== undefined) last = prefix;
  }
  return parts.join('; ');
}

/** A configuration problem; `problems` holds one phrase per problem, `message` all of them on one line. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(joinProblems(list));
    this.name = 'ConfigError';
    this.problems = list;
  }
}

/** A value as it should appear in a message: numbers as written, strings quoted. */
export function showValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
