import type { LastBackupRecord } from '../backup/last-backup.ts';
import { formatAge } from '../format.ts';
import type { PrunePlan } from './plan.ts';
import { formatPeriod } from './policy.ts';

/** Why a prune removes nothing: a named rule and one sentence for the operator and the log. */
export type Refusal = {
  rule:
    | 'blocked'
    | 'restore-unfinished'
    | 'no-backup-record'
    | 'last-backup-failed'
    | 'backups-stopped'
    | 'unconfirmed-policy';
  message: string;
};

const day = 86_400_000;

/** Twice the schedule's period; 2 days when no schedule is installed. */
export function defaultMaxGapMs(scheduleIntervalMs: number | undefined): number {
  return scheduleIntervalMs === undefined ? 2 * day : 2 * scheduleIntervalMs;
}

export type SafetyInput = {
  plan: PrunePlan;
  lastBackup: LastBackupRecord | undefined;
  maxGapMs: number;
  now: number;
  /** From the hook (issue 16's anomaly guard); null when nothing blocks. */
  blockedBy: string | null;
  unfinishedRestore: { dump: string } | undefined;
  confirmed: boolean;
  force: boolean;
};

/** The file name of the newest dump that passed verification, from the backup record. */
export function newestVerifiedName(record: LastBackupRecord | undefined): string | undefined {
  const file = record?.result === 'ok' ? record.file : record?.lastSuccess?.file;
  return file ? file.slice(file.lastIndexOf('/') + 1) : undefined;
}

/** The first safety rule that forbids removing anything now; undefined when pruning may go on. */
export function refusalOf(input: SafetyInput): Refusal | undefined {
  if (input.blockedBy) return { rule: 'blocked', message: input.blockedBy };
  if (input.unfinishedRestore) {
    return {
      rule: 'restore-unfinished',
      message: `a restore of ${input.unfinishedRestore.dump} did not finish: its safety dump may be needed; complete the restore first`,
    };
  }
  const record = input.lastBackup;
  if (!record) {
    return {
      rule: 'no-backup-record',
      message:
        'no backup is recorded on this host, so no dump is known to be good: run "ovena backup --timestamp" first',
    };
  }
  if (record.result !== 'ok') {
    return {
      rule: 'last-backup-failed',
      message: `the last backup failed ${formatAge(input.now - Date.parse(record.at))} ago${record.error ? ` (${record.error})` : ''}: nothing is removed until a backup succeeds`,
    };
  }
  const times = input.plan.entries
    .filter((entry) => entry.kind === 'dump')
    .map((entry) => entry.timeMs);
  const newest = times.length > 0 ? Math.max(...times) : Date.parse(record.at);
  if (!(input.now - newest < input.maxGapMs)) {
    return {
      rule: 'backups-stopped',
      message: `no dump is younger than ${formatPeriod(input.maxGapMs)} (retention.maxGap; the newest is ${formatAge(input.now - newest)} old): backups seem to have stopped, and pruning would only eat the history`,
    };
  }
  if (!input.confirmed && !input.force) {
    return {
      rule: 'unconfirmed-policy',
      message:
        'this policy is new or changed, so its first run removes nothing: check the plan above, then apply it once with "ovena prune --force" (later runs apply it)',
    };
  }
  return undefined;
}
