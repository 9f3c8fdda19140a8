import type { Compose } from '../compose/compose.ts';
import { backupDir, isDumpFileName } from './dump-name.ts';

/** Names per `rm` call: far below any argument-length limit, few calls for a large prune. */
const batchSize = 500;

/**
 * Removes dump files from the backup share (prune). Only bare dump names are accepted (no path,
 * no temporary file): a name that is not one is a programming error and nothing is removed.
 */
export async function removeDumps(
  compose: Compose,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  for (const name of names) {
    if (!isDumpFileName(name) || name.includes('/')) {
      throw new Error(`refusing to remove "${name}": not a dump file name`);
    }
  }
  for (let start = 0; start < names.length; start += batchSize) {
    signal?.throwIfAborted();
    const paths = names.slice(start, start + batchSize).map((name) => `${backupDir}/${name}`);
    await compose.execCapture(
      compose.project.dbService,
      ['sh', '-c', 'rm -f -- "$@" && sync', 'ovena-prune', ...paths],
      { oneOffWhenDown: true, ...(signal ? { signal } : {}) },
    );
  }
}
