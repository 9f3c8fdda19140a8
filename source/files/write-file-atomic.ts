import { randomBytes } from 'node:crypto';
import { chown, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export type WriteFileAtomicOptions = {
  /** The new file's mode; default 0600 (files that matter here hold secrets or patient data). */
  mode?: number;
  /** The new file's owner; default: the replaced file's owner, when there was one. */
  owner?: { uid: number; gid: number };
  /**
   * Runs on the complete, fsynced temporary file (same folder, dotted name) before it replaces the
   * target, e.g. a validator. Throwing leaves the target as it was and removes the temporary file.
   */
  beforeReplace?: (temporary: string) => Promise<void>;
};

/** Flushes a folder's entries (a rename is only durable once its folder is). */
export async function syncDirectory(directory: string): Promise<void> {
  const folder = await open(directory, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/**
 * The one writer of files that matter: temporary file in the same folder (a dotted name, which
 * run-parts and listings skip), fsync, rename over the target, fsync of the folder. Readers see
 * the old or the new content, never a mix; on any failure the target is untouched and the
 * temporary file is gone. The mode (default 0600) is set and, when the file existed, its owner kept.
 */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const directory = path.dirname(file);
  const temporary = path.join(
    directory,
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const owner = options.owner ?? (await stat(file).catch(() => undefined));
  const handle = await open(temporary, 'wx', mode);
  let renamed = false;
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    if (owner) await chown(temporary, owner.uid, owner.gid).catch(() => {});
    await handle.sync();
    await handle.close();
    await options.beforeReplace?.(temporary);
    await rename(temporary, file);
    renamed = true;
  } finally {
    await handle.close().catch(() => {});
    if (!renamed) await rm(temporary, { force: true });
  }
  await syncDirectory(directory);
}
