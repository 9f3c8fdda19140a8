import type { Compose } from '../compose/compose.ts';
import { type DumpFile, listingArgv, parseDumpListing } from '../dumps/list-dumps.ts';
import { type PgTarget, serviceTarget } from './pg-target.ts';
import { startThrowaway } from './throwaway.ts';

/**
 * Runs `read` with a container that sees the backup share, without starting or touching the
 * live database: the running db container (a read-only exec), or, when it is not running, a
 * throw-away container of its image (network none, share read-only) that is removed afterwards.
 * Never compose's one-off helper, which mounts the live data volume.
 */
export async function withShareReader<T>(
  compose: Compose,
  signal: AbortSignal,
  read: (target: PgTarget, how: 'live' | 'throwaway') => Promise<T>,
): Promise<T> {
  const state = await compose.serviceState(compose.project.dbService, signal);
  if (state.state === 'running') return read(serviceTarget(compose), 'live');
  const box = await startThrowaway(compose, 'read', signal);
  try {
    return await read(box.target, 'throwaway');
  } finally {
    await box.remove();
  }
}

/** The dumps in the share, newest first, read through `target`. */
export async function listDumpsIn(target: PgTarget, signal?: AbortSignal): Promise<DumpFile[]> {
  return parseDumpListing(await target.capture(listingArgv('%f\\t%s\\t%T@\\n'), signal));
}
