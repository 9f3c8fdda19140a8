import type { Compose } from '../../compose/compose.ts';
import type { LoadWhere } from '../../load/load-steps.ts';
import type { PgTarget } from '../../load/pg-target.ts';
import { databaseTarget } from './pg-admin.ts';

/**
 * How a beside restore loads next to a live production database (issue 18): only session
 * settings, through PGOPTIONS on every psql of the load; nothing of the server's configuration
 * (fsync, full_page_writes, wal_level) is touched. synchronous_commit=off risks only the load's
 * own last commits on a crash, and the new database is checked before it is switched in.
 */
export function liveSessionOptions(maintenanceWorkMemMb: number): string {
  return `-c synchronous_commit=off -c maintenance_work_mem=${maintenanceWorkMemMb}MB`;
}

/**
 * Sessions = the db container's CPUs (at most 8). maintenance_work_mem is bounded so that all
 * sessions together stay modest on a server that also serves Orthanc: about 1 GB in total,
 * 64 to 256 MB per session (2 CPUs: 2 × 256 MB; 8 CPUs: 8 × 128 MB).
 */
export function sizeLiveSessions(cpus: number): { sessions: number; maintenanceWorkMemMb: number } {
  const sessions = Math.max(1, Math.min(8, Math.floor(cpus) || 1));
  return {
    sessions,
    maintenanceWorkMemMb: Math.max(64, Math.min(256, Math.floor(1024 / sessions))),
  };
}

/** A target whose psql sessions start with the given session settings (PGOPTIONS). */
export function withSessionSettings(target: PgTarget, options: string): PgTarget {
  return {
    ...target,
    stream: (argv, streamOptions) =>
      target.stream(['env', `PGOPTIONS=${options}`, ...argv], streamOptions),
  };
}

/** Where the shared loader (load/load-steps.ts) puts the dump: the new database, live-safe. */
export async function liveLoadWhere(
  compose: Compose,
  database: string,
  signal: AbortSignal,
): Promise<LoadWhere> {
  const plain = databaseTarget(compose, database);
  const cpus = Number((await plain.capture(['nproc'], signal)).trim());
  const sized = sizeLiveSessions(cpus);
  const target = withSessionSettings(plain, liveSessionOptions(sized.maintenanceWorkMemMb));
  // capture (tableSizes, vacuumdb) runs without PGOPTIONS: only reads and ANALYZE go through it.
  return {
    target,
    sessions: sized.sessions,
    // No parallel workers inside a session: the sessions already use every CPU, and a parallel
    // hash join in a foreign key's check would need more than docker's default 64 MB /dev/shm.
    postDataSettings: [
      `SET maintenance_work_mem = '${sized.maintenanceWorkMemMb}MB'`,
      'SET max_parallel_workers_per_gather = 0',
    ],
  };
}
