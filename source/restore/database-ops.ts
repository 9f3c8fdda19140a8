import { setTimeout as sleep } from 'node:timers/promises';
import { ExecaError } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { type LoadOptions, loadDump as loadDumpInto } from '../load/load-dump.ts';
import { dataDirectory, queryTarget, serviceTarget } from '../load/pg-target.ts';

export { dataDirectory };

/** Runs one SQL query with the db container's own psql over the local socket; unaligned rows. */
export function queryDatabase(
  compose: Compose,
  sql: string,
  signal?: AbortSignal,
): Promise<string[]> {
  return queryTarget(serviceTarget(compose), sql, signal);
}

export type DatabaseSummary = {
  tables: number;
  sizeBytes: number;
  /** Orthanc's index schema version (GlobalProperties property 1), when the table exists. */
  schemaVersion: string | undefined;
  /** Instances in Orthanc's index (Resources of type 3), when the table exists. */
  instances: number | undefined;
};

/** What the current database holds: enough to say what a restore destroys and whether it loaded. */
export async function summarizeDatabase(
  compose: Compose,
  signal?: AbortSignal,
): Promise<DatabaseSummary> {
  // One query, one docker exec (it was three): Orthanc's tables are read only when they exist
  // (query_to_xml runs its query only in the CASE branch taken).
  const [tables = '0', size = '0', version = '', instances = ''] = await queryDatabase(
    compose,
    `SELECT count(*)::text FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema')
     UNION ALL SELECT pg_database_size(current_database())::text
     UNION ALL SELECT CASE WHEN to_regclass('public.globalproperties') IS NOT NULL AND to_regclass('public.resources') IS NOT NULL
       THEN 'v' || coalesce((xpath('/row/v/text()', query_to_xml('SELECT value AS v FROM GlobalProperties WHERE property = 1', false, true, '')))[1]::text, '?') ELSE '-' END
     UNION ALL SELECT CASE WHEN to_regclass('public.resources') IS NOT NULL AND to_regclass('public.globalproperties') IS NOT NULL
       THEN 'n' || (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM Resources WHERE resourceType = 3', false, true, '')))[1]::text ELSE '-' END`,
    signal,
  );
  const hasIndex = version.startsWith('v');
  return {
    tables: Number(tables),
    sizeBytes: Number(size),
    schemaVersion: hasIndex ? version.slice(1) : undefined,
    instances: hasIndex && instances.startsWith('n') ? Number(instances.slice(1)) : undefined,
  };
}

export type DataVolume = { name: string; containerId: string };

/**
 * The database's data volume, read from the db container's mounts (never guessed from the project
 * name). Refuses a bind mount: ovena removes docker volumes only, never a host folder.
 */
export async function findDataVolume(
  compose: Compose,
  signal?: AbortSignal,
): Promise<DataVolume | undefined> {
  const containerId = await compose.containerId(compose.project.dbService, signal);
  if (!containerId) return undefined;
  const state = await compose.inspect(containerId, signal);
  const mount = state?.mounts.find((entry) => entry.destination === dataDirectory);
  if (!mount) {
    throw new OvenaError(
      `the ${compose.project.dbService} container has no mount at ${dataDirectory}: the compose file must give the database a named volume there`,
      ExitCode.config,
    );
  }
  if (mount.type !== 'volume' || !mount.name) {
    throw new OvenaError(
      `the database data at ${dataDirectory} is a ${mount.type} mount of ${mount.source}, not a docker volume: ovena only removes docker volumes; restore by hand`,
      ExitCode.config,
    );
  }
  return { name: mount.name, containerId };
}

export async function volumeExists(
  compose: Compose,
  name: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await compose.docker(['volume', 'inspect', name], signal ? { signal } : {});
    return true;
  } catch (error) {
    if (error instanceof ExecaError && error.isCanceled) throw error;
    return false;
  }
}

/**
 * Removes the db container (a volume in use cannot be removed) and then only the named data
 * volume. The images and backup volumes are never named here.
 */
export async function removeDataVolume(
  compose: Compose,
  volume: string,
  signal?: AbortSignal,
): Promise<void> {
  await compose.runOrFail(
    `removing the ${compose.project.dbService} container`,
    ['rm', '-f', '-s', compose.project.dbService],
    signal ? { signal } : {},
  );
  if (!(await volumeExists(compose, volume, signal))) return;
  try {
    await compose.docker(['volume', 'rm', volume], signal ? { signal } : {});
  } catch (error) {
    if (error instanceof ExecaError && error.isCanceled) throw error;
    const text = error instanceof ExecaError ? String(error.stderr || error.shortMessage) : '';
    throw new OvenaError(
      `could not remove the database volume ${volume}: ${text.split('\n')[0] ?? ''}`,
    );
  }
}

/** Waits until PostgreSQL answers over TCP inside its container (the image's first start runs a socket-only server). */
export async function waitDatabaseReady(
  compose: Compose,
  signal: AbortSignal,
  timeoutMs = 180_000,
  pollMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { dbService, dbUser, dbName } = compose.project;
  for (;;) {
    signal.throwIfAborted();
    try {
      await compose.execCapture(
        dbService,
        ['pg_isready', '-q', '-h', '127.0.0.1', '-U', dbUser, '-d', dbName],
        { signal },
      );
      return;
    } catch (error) {
      signal.throwIfAborted();
      if (Date.now() > deadline) {
        throw new OvenaError(
          `the database did not answer pg_isready in time (${(error as Error).message.split('\n')[0]})`,
          ExitCode.unavailable,
        );
      }
    }
    await sleep(pollMs, undefined, { signal });
  }
}

/** Loads a dump into the db service with the one loader that restore and drill share (source/load). */
export async function loadDump(
  compose: Compose,
  path: string,
  options: LoadOptions,
): Promise<void> {
  await loadDumpInto(serviceTarget(compose), path, options);
}
