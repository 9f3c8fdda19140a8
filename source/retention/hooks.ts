import { describeAnomaly } from '../history/anomaly.ts';
import { unacknowledgedAnomaly } from '../history/guard.ts';
import { appendHistory } from '../history/history-file.ts';
import { acquireLock, type HostLock } from '../lock/host-lock.ts';
import type { PruneReport } from './prune.ts';

/** Where prune meets the lock, the anomaly guard and the history: one function each. */

/**
 * The prune's lock: kind `prune` of the host lock (lock/lock-table.ts: a prune never runs beside a
 * backup, a restore, a cifs apply, an image reconcile or another prune; exit 75 naming it).
 */
export function acquirePruneLock(stateDir: string): Promise<HostLock> {
  return acquireLock(stateDir, 'prune');
}

/**
 * Another reason to refuse pruning, checked with the other safety rules: a backup the anomaly
 * guard flagged (issue 16) blocks pruning, --force or not, until `ovena history --ack`.
 * Returns one sentence naming the reason, or null.
 */
export async function pruneBlockedBy(stateDir: string): Promise<string | null> {
  const entry = await unacknowledgedAnomaly(stateDir);
  return entry
    ? `${describeAnomaly(entry)}; acknowledge it with "ovena history --ack" once you know why`
    : null;
}

/** Called once per prune run (real runs and refusals, not dry runs): one line of the history. */
export async function recordPruneRun(
  stateDir: string,
  report: PruneReport,
  durationMs: number,
): Promise<void> {
  const removed = new Set(report.removed);
  const freed = report.plan.entries
    .filter((entry) => removed.has(entry.name))
    .reduce((sum, entry) => sum + entry.sizeBytes, 0);
  await appendHistory(stateDir, {
    at: new Date().toISOString(),
    kind: 'prune',
    result: report.outcome === 'refused' ? 'failed' : 'ok',
    durationMs,
    bytes: freed,
    ...(report.refusal ? { error: report.refusal.message } : {}),
    details: {
      outcome: report.outcome,
      removed: report.removed.length,
      policy: report.description,
      ...(report.refusal ? { rule: report.refusal.rule } : {}),
    },
  }).catch(() => {
    // The history is a record, not a reason to fail a prune that already did its work.
  });
}
