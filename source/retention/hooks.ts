import { acquireLock, type HostLock } from '../lock/host-lock.ts';
import type { PruneReport } from './prune.ts';

/**
 * Seams for work that other branches own. Each is one function so the integrator changes one
 * place.
 */

/**
 * The prune's lock: kind `prune` of the host lock (lock/lock-table.ts: a prune never runs beside a
 * backup, a restore, a cifs apply, an image reconcile or another prune; exit 75 naming it).
 */
export function acquirePruneLock(stateDir: string): Promise<HostLock> {
  return acquireLock(stateDir, 'prune');
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
