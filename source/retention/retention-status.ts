import type { LastBackupRecord } from '../backup/last-backup.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { messageOf } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { describePolicy } from './policy.ts';
import { maxGapOf, resolvePolicy } from './prune.ts';
import { readConfirmations } from './retention-state.ts';

/** `ovena status` (and --json, `retention`): the policy and whether it is confirmed. */
export type RetentionStatus =
  | { configured: false }
  | { configured: true; error: string }
  | {
      configured: true;
      policy: string;
      policyHash: string;
      confirmed: boolean;
      maxGapMs: number;
    };

export async function collectRetentionStatus(paths: {
  configDir: string;
  stateDir: string;
  cronDir: string;
}): Promise<RetentionStatus> {
  let resolved: Awaited<ReturnType<typeof resolvePolicy>>;
  try {
    resolved = await resolvePolicy(paths.configDir);
  } catch (error) {
    const message = messageOf(error);
    if (message.startsWith('no retention policy')) return { configured: false };
    return { configured: true, error: message };
  }
  const confirmations = await readConfirmations(paths.stateDir);
  return {
    configured: true,
    policy: describePolicy(resolved.policy),
    policyHash: resolved.hash,
    confirmed: confirmations.confirmed.includes(resolved.hash),
    maxGapMs: await maxGapOf(resolved.settings, paths.cronDir),
  };
}

/** `dumps` in `ovena status`: how many dump files the share holds and their total size. */
export function dumpTotals(dumps: readonly DumpFile[]): { count: number; sizeBytes: number } {
  return { count: dumps.length, sizeBytes: dumps.reduce((sum, dump) => sum + dump.sizeBytes, 0) };
}

export function retentionLines(
  retention: RetentionStatus,
  dumps: { count: number; sizeBytes: number } | null,
): string[] {
  const lines: string[] = [];
  if (dumps) lines.push(`Dumps     ${dumps.count} in /mnt/backup, ${formatBytes(dumps.sizeBytes)}`);
  if (!retention.configured) lines.push('Retention none (dumps are kept until removed by hand)');
  else if ('error' in retention) lines.push(`Retention BROKEN: ${retention.error}`);
  else {
    lines.push(
      `Retention ${retention.policy}${retention.confirmed ? '' : ' (NEW: waits for confirmation, "ovena prune --dry-run" then "ovena prune --force")'}`,
    );
  }
  return lines;
}

/**
 * Warnings for `ovena check`: a policy that waits for confirmation, pruning on hold because the
 * last backup failed or is older than the max gap, a broken retention section.
 */
export async function retentionWarnings(
  paths: { configDir: string; stateDir: string; cronDir: string },
  lastBackup: LastBackupRecord | undefined,
  now: number,
): Promise<string[]> {
  const status = await collectRetentionStatus(paths);
  if (!status.configured) return [];
  if ('error' in status) return [`retention is off: ${status.error}`];
  const warnings: string[] = [];
  if (!status.confirmed) {
    warnings.push(
      'a retention policy waits for confirmation: review "ovena prune --dry-run", then "ovena prune --force"',
    );
  }
  if (lastBackup?.result === 'failed') {
    warnings.push('pruning is on hold: the last backup failed');
  } else if (lastBackup && !(now - Date.parse(lastBackup.at) < status.maxGapMs)) {
    warnings.push('pruning is on hold: no backup is younger than retention.maxGap');
  }
  return warnings;
}
