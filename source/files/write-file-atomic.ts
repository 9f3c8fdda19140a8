import { randomBytes } from 'node:crypto';
import { chown, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file that matters: temporary file in the same folder, fsync, rename over the target,
 * fsync of the folder. Readers see the old or the new content, never a mix. The mode (default
 * 0600) and, when the file existed, its owner are kept.
 */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const directory = path.dirname(file);
  const temporary = path.join(
    directory,
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const previous = await stat(file).catch(() => undefined);
  const handle = await open(temporary, 'wx', options.mode ?? 0o600);
  try {
    await handle.writeFile(content);
    await handle.chmod(options.mode ?? 0o600);
    if (previous) await chown(temporary, previous.uid, previous.gid).catch(() => {});
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
  const folder = await open(directory, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
