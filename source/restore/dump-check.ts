import type { Compose } from '../compose/compose.ts';
import { type PgTarget, serviceTarget } from '../load/pg-target.ts';
import { type DumpScan, type IndexCounts, scanDump } from '../load/scan-dump.ts';
import type { OrthancStatistics } from '../orthanc/client.ts';

/**
 * Preflight's one read of the dump: proves it whole and, in the same pass, counts its COPY rows
 * and Orthanc's resources (shown on the confirmation and in the dry run) and reads its post-data
 * section (the fast load builds those items while the data loads). When the database does not
 * start, the same scan runs in compose's one-off container (`oneOffWhenDown`), without progress.
 */
export async function checkDumpForRestore(
  compose: Compose,
  path: string,
  signal: AbortSignal,
  databaseBroken: boolean,
): Promise<DumpScan> {
  if (databaseBroken) return scanDump(oneOffReader(compose), path, { signal });
  return scanDump(serviceTarget(compose), path, { signal });
}

/** Runs a scan's script through `execCapture` (a one-off container when the db is down). */
function oneOffReader(compose: Compose): Pick<PgTarget, 'stream'> {
  return {
    async stream(argv, options) {
      const { dbService } = compose.project;
      const lines = (text: unknown) => String(text ?? '').split('\n');
      try {
        const output = await compose.execCapture(dbService, argv, {
          oneOffWhenDown: true,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        for (const line of lines(output)) options.onStdoutLine?.(line);
      } catch (error) {
        for (const line of lines((error as { stderr?: unknown }).stderr))
          options.onStderrLine?.(line);
        throw error;
      }
    },
  };
}

export function countsOfStatistics(statistics: OrthancStatistics): IndexCounts {
  return {
    patients: statistics.CountPatients,
    studies: statistics.CountStudies,
    series: statistics.CountSeries,
    instances: statistics.CountInstances,
  };
}
