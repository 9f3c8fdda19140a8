import type { Compose } from '../compose/compose.ts';
import { isServing } from '../compose/containers.ts';
import { messageOf } from '../errors.ts';
import { acquireLock, type HostLock } from '../lock/host-lock.ts';
import { waitDatabaseReady } from './database-ops.ts';

/**
 * Starts the database alone when it is not running: the dump is read and verified inside its
 * container. Orthanc is not touched. Returns whether it had to start it.
 */
export async function ensureDatabaseRunning(
  compose: Compose,
  signal: AbortSignal,
  onStatus?: (line: string) => void,
  beforeChange?: () => Promise<void>,
): Promise<boolean> {
  const state = await compose.serviceState(compose.project.dbService, signal);
  if (isServing(state)) return false;
  await beforeChange?.();
  onStatus?.(
    `the database is ${state.state === 'running' ? `not healthy (health: ${state.health ?? 'none'})` : state.state}: starting it alone to read the dump (Orthanc is not started)`,
  );
  await compose.up([compose.project.dbService], signal);
  // A database that never gets healthy holds the check for up to 3 minutes: say so as it goes.
  const waitStarted = Date.now();
  let said = waitStarted;
  await compose.waitHealthy(compose.project.dbService, {
    signal,
    onState: (now) => {
      if (Date.now() - said < 10_000) return;
      said = Date.now();
      onStatus?.(
        `the database is ${now.health ?? now.state} after ${Math.round((said - waitStarted) / 1000)} s: waiting up to 180 s for it to become healthy`,
      );
    },
  });
  await waitDatabaseReady(compose, signal);
  return true;
}

/**
 * Preflight's database: running, so the dump is read and verified in its container; or, when it
 * will not start, stopped, so the dump is read in a one-off container. Starting or stopping it
 * changes the stack, so it takes the lock (kind `start`) first, even here; a restore that already
 * holds its own lock takes this one re-entrantly. Nothing is locked when the database runs.
 */
export async function readyDatabase(
  compose: Compose,
  options: {
    stateDir: string;
    signal: AbortSignal;
    onStatus?(line: string): void;
    /**
     * Why the database is not the original (an earlier restore removed it): then it is never
     * started here. Its volume may hold a cluster killed half-way through initdb, on which
     * PostgreSQL restarts itself forever without the container ever exiting (health "starting"
     * for minutes); the restore replaces it anyway.
     */
    destroyed?: string;
  },
): Promise<{ startedDatabase: boolean; databaseBroken: string | undefined }> {
  const { signal, onStatus } = options;
  let startedDatabase = false;
  let databaseBroken: string | undefined;
  let startLock: HostLock | undefined;
  let lockError: unknown;
  const takeLock = async () => {
    try {
      startLock ??= await acquireLock(options.stateDir, 'start', {
        detail: 'of the database, to check a dump before a restore',
      });
    } catch (error) {
      lockError = error;
      throw error;
    }
  };
  try {
    if (options.destroyed !== undefined) {
      const state = await compose.serviceState(compose.project.dbService, signal);
      if (isServing(state)) return { startedDatabase, databaseBroken };
      onStatus?.(
        `the database is not the original (${options.destroyed}) and is ${state.health ?? state.state}: not starting it; reading the dump in a one-off container`,
      );
      databaseBroken = `not started: ${options.destroyed}`;
      if (state.state !== 'exited' && state.state !== 'missing') {
        await takeLock();
        await compose.stop([compose.project.dbService], signal);
      }
      return { startedDatabase, databaseBroken };
    }
    try {
      startedDatabase = await ensureDatabaseRunning(compose, signal, onStatus, takeLock);
    } catch (error) {
      if (lockError) throw lockError;
      // The disaster this tool exists for: the database will not start. The dump can still be read
      // in a one-off container, and the restore replaces the broken database; no safety dump.
      signal.throwIfAborted();
      databaseBroken = messageOf(error);
      onStatus?.(
        `the database does not start (${databaseBroken}): reading the dump in a one-off container; no safety dump can be made`,
      );
      // Its restart loop serves nothing, and compose v1 links a one-off container to the service's
      // running ones (which host networking refuses): stop it first.
      await takeLock();
      await compose.stop([compose.project.dbService], signal);
    }
  } finally {
    await startLock?.release();
  }
  return { startedDatabase, databaseBroken };
}
