import { acquireHostLock, type HostLock } from '../lock/host-lock.ts';
import type { PruneReport } from './prune.ts';

/**
 * Seams for work that other branches own. Each is one function so the integrator changes one
 * place.
 */

/**
 * The prune's lock. Today the one host lock (a prune and a backup or restore never run at once),
 * taken as the backup takes it. Issue 9's lock kinds: switch this to kind 'prune'.
 */
export function acquirePruneLock(stateDir: string): Promise<HostLock> {
  return acquireHostLock(stateDir, 'prune');
}

/**
 * Another reason to refuse pruning, checked with the other safety rules (issue 16: a backup
 * flagged anomalous blocks pruning). Returns one sentence naming the reason, or null.
 */
export async function pruneBlockedBy(_stateDir: string): Promise<string | null> {
  return null;
}

/** Called once per prune run (real runs and refusals, not dry runs): the prune history goes here. */
export async function recordPruneRun(_stateDir: string, _report: PruneReport): Promise<void> {}
