import type { Compose } from '../compose/compose.ts';
import { verifyDumpInContainer } from '../dumps/verify-dump.ts';
import { serviceTarget } from '../load/pg-target.ts';
import { type DumpScan, type IndexCounts, scanDump } from '../load/scan-dump.ts';
import type { OrthancStatistics } from '../orthanc/client.ts';

/**
 * Preflight's one read of the dump: proves it whole and, in the same pass, counts its COPY rows
 * and Orthanc's resources (shown on the confirmation and in the dry run). When the database does
 * not start, compose's one-off reader verifies it as before (no counts then).
 */
export async function checkDumpForRestore(
  compose: Compose,
  path: string,
  signal: AbortSignal,
  databaseBroken: boolean,
): Promise<DumpScan | undefined> {
  if (databaseBroken) {
    await verifyDumpInContainer(compose, path, signal, { oneOffWhenDown: true });
    return undefined;
  }
  return scanDump(serviceTarget(compose), path, { signal });
}

export function countsOfStatistics(statistics: OrthancStatistics): IndexCounts {
  return {
    patients: statistics.CountPatients,
    studies: statistics.CountStudies,
    series: statistics.CountSeries,
    instances: statistics.CountInstances,
  };
}
