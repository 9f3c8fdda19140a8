import type { Compose } from '../../compose/compose.ts';
import { formatBytes } from '../../format.ts';
import { besideDisk } from './disk.ts';

/** Whether a beside restore is possible for this plan, and why (the confirmation screen's choice). */
export type BesideVerdict = { possible: boolean; reason: string };

/**
 * Issue 18's defaults: beside is recommended when the database is healthy and the disk allows;
 * from scratch when the database is broken (or the disk is too small for a second copy).
 */
export async function besideVerdict(
  compose: Compose,
  dump: { name: string; sizeBytes: number },
  healthy: boolean,
  signal?: AbortSignal,
): Promise<BesideVerdict> {
  const database = compose.project.dbName;
  if (!healthy)
    return { possible: false, reason: 'the database is not healthy, so from scratch is right' };
  const disk = await besideDisk(compose, dump, signal).catch(() => undefined);
  if (!disk)
    return { possible: false, reason: 'the free space in the database volume could not be read' };
  if (disk.freeBytes < disk.needBytes)
    return {
      possible: false,
      reason: `it needs about ${formatBytes(disk.needBytes)} in the database volume, ${formatBytes(disk.freeBytes)} free`,
    };
  return {
    possible: true,
    reason: `no downtime until a switch of seconds; the current database is kept as ${database}_before_<UTC>`,
  };
}

/** The from-scratch plan's "Beside" line: the verdict with the command that runs it. */
export function besideAdviceText(
  verdict: BesideVerdict,
  dumpName: string,
  database: string,
): string {
  if (!verdict.possible) return `not possible: ${verdict.reason}`;
  return `recommended: "ovena --file=${dumpName} restore --beside" loads next to ${database} while Orthanc runs (${verdict.reason})`;
}
