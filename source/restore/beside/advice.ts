import type { Compose } from '../../compose/compose.ts';
import { formatBytes } from '../../format.ts';
import { besideDisk } from './disk.ts';

/**
 * The from-scratch plan's word on the other mode (issue 18): beside is recommended when the
 * database is healthy and the disk allows; from scratch when the database is broken.
 */
export async function besideAdvice(
  compose: Compose,
  dump: { name: string; sizeBytes: number },
  healthy: boolean,
  signal?: AbortSignal,
): Promise<string> {
  const database = compose.project.dbName;
  if (!healthy) return 'not possible: the database is not healthy, so from scratch is right';
  const disk = await besideDisk(compose, dump, signal);
  if (disk.freeBytes < disk.needBytes)
    return `not possible: it needs about ${formatBytes(disk.needBytes)} in the database volume, ${formatBytes(disk.freeBytes)} free`;
  return `recommended: "ovena --file=${dump.name} restore --beside" loads next to ${database} while Orthanc runs (no downtime until a switch of seconds; the current database is kept as ${database}_before_<UTC>)`;
}
