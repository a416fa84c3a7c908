/** Atomic file writes: write a temp file in the target's directory, then rename it over the target. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Data to write: a string, bytes, or an iterable of string chunks (streamed, for large CSVs). */
export type WriteData = string | Uint8Array | Iterable<string>;

const FLUSH_BYTES = 1 << 20;

/** Temp files being written right now (removed by removePendingTempFilesSync on a forced exit). */
const pending = new Set<string>();

/** Remove the temp files of writes still in progress; for a process that must exit at once (a second Ctrl-C). */
export function removePendingTempFilesSync(): void {
  for (const tmp of pending) rmSync(tmp, { force: true });
  pending.clear();
}

/**
 * Write `data` to `path` so that readers see either the old file or the complete new one: the data goes to
 * `.<name>.<pid>.<random>.tmp` in the same directory (same file system), is fsynced, and is renamed over
 * `path`. On failure the temp file is removed.
 */
export async function atomicWrite(path: string, data: WriteData): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  pending.add(tmp);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) {
        await fh.writeFile(data);
      } else {
        let buf: string[] = [];
        let size = 0;
        for (const chunk of data) {
          buf.push(chunk);
          size += chunk.length;
          if (size >= FLUSH_BYTES) {
            await fh.write(buf.join(''));
            buf = [];
            size = 0;
          }
        }
        if (buf.length > 0) await fh.write(buf.join(''));
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(tmp, { force: true });
    pending.delete(tmp);
  }
}
