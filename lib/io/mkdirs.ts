/**
 * Create a directory and its missing parents one at a time, from the nearest existing ancestor down.
 * (Node's `mkdir(dir, { recursive: true })` never returns for a path under /proc: it keeps retrying.)
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: ${message}`) as NodeJS.ErrnoException;
  err.code = code;
  return err;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Make sure `dir` exists as a directory; returns the directories created, outermost first (empty when it
 * existed). Fails with the error of the first component that cannot be created (ENOENT, EACCES, ENOTDIR, …).
 */
export async function makeDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let cur = resolve(dir);
  for (;;) {
    try {
      const st = await stat(cur);
      if (!st.isDirectory()) throw errnoError('ENOTDIR', `not a directory, mkdir '${cur}'`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const up = dirname(cur);
      if (up === cur) throw err;
      missing.push(cur);
      cur = up;
    }
  }
  const created: string[] = [];
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
      created.push(d);
    } catch (err) {
      // Created meanwhile by someone else: fine if it is a directory.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory(d))) continue;
      throw err;
    }
  }
  return created;
}
