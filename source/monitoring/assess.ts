import { drillWarning } from '../drill/drill-status.ts';
import { formatAge, formatDuration } from '../format.ts';
import { imagesWarning } from '../images/assess-images.ts';
import { finishRestoreCommand } from '../lock/restore-marker.ts';
import type { HomeStatus } from './home-status.ts';

/**
 * One verdict on the archive, shared by `ovena check` (exit code) and the home screen (colours).
 *
 * critical: a restore did not finish; a service is down; the last backup failed; the last backup
 *           is older than max-age.
 * warning: no backup recorded yet; the last backup is older than the schedule allows (one
 *          interval plus a grace period) but younger than max-age; the record cannot be read.
 */
export type Level = 'ok' | 'warning' | 'critical';

export type BackupVerdict = 'fresh' | 'late' | 'too-old' | 'failed' | 'none';

export type Assessment = {
  level: Level;
  /** Critical reasons first; the first one is the headline. */
  reasons: string[];
  backup: BackupVerdict;
  maxAgeMs: number;
  /** Age beyond which the backup is "late" for the schedule; undefined without a schedule. */
  lateAfterMs?: number;
};

/** A backup takes time and cron starts it a little late: tolerate this much past the interval. */
export const scheduleGraceMs = 15 * 60_000;
/** Without a schedule or a setting: a daily backup plus an hour. */
export const defaultMaxAgeMs = 25 * 3_600_000;

export function effectiveMaxAgeMs(
  status: Pick<HomeStatus, 'schedule'>,
  configuredMs: number | undefined,
): number {
  if (configuredMs !== undefined) return configuredMs;
  const interval = status.schedule?.intervalMs;
  // Two missed runs of the schedule, never less than the daily default.
  return interval === undefined
    ? defaultMaxAgeMs
    : Math.max(defaultMaxAgeMs, 2 * interval + scheduleGraceMs);
}

export function assessArchive(
  status: HomeStatus,
  options: { now: number; maxAgeMs?: number; drillMaxAgeMs?: number },
): Assessment {
  const critical: string[] = [];
  const warning: string[] = [];
  // First: the database is only partly loaded, whatever else is true.
  const restore = status.unfinishedRestore;
  if (restore) {
    critical.push(
      `restore of ${restore.dump} did not finish: "${finishRestoreCommand(restore)}" completes it`,
    );
  }
  const maxAgeMs = effectiveMaxAgeMs(status, options.maxAgeMs);
  const interval = status.schedule?.intervalMs;
  const lateAfterMs = interval === undefined ? undefined : interval + scheduleGraceMs;

  for (const service of status.services.filter((entry) => !entry.up)) {
    const how = service.health === 'unhealthy' ? 'unhealthy' : service.state;
    critical.push(`${service.name} is ${how}`);
  }

  for (const file of status.unreadableLocks ?? [])
    warning.push(`the lock file ${file} cannot be read: remove it if no ovena runs`);

  let backup: BackupVerdict = 'none';
  const record = status.lastBackup;
  if (status.lastBackupUnreadable) {
    // "ovena cannot read the state" is critical: the age of the last backup is unknown.
    backup = 'failed';
    critical.push(status.lastBackupUnreadable);
  } else if (!record) {
    warning.push('no backup recorded yet');
  } else {
    const at = Date.parse(record.at);
    const age = options.now - at;
    if (Number.isNaN(at)) {
      backup = 'failed';
      warning.push(`last backup record has no valid time ("${record.at}")`);
    } else if (record.result === 'failed') {
      backup = 'failed';
      critical.push(
        `last backup failed ${formatAge(age)} ago${record.error ? `: ${record.error}` : ''}`,
      );
    } else if (age > maxAgeMs) {
      backup = 'too-old';
      critical.push(
        `last backup is ${formatAge(age)} old, older than the max age ${formatDuration(maxAgeMs)}`,
      );
    } else if (lateAfterMs !== undefined && age > lateAfterMs && lateAfterMs < maxAgeMs) {
      backup = 'late';
      warning.push(
        `last backup is ${formatAge(age)} old, the schedule (${status.schedule?.label ?? '?'}) expects one every ${formatDuration(interval ?? 0)}`,
      );
    } else {
      backup = 'fresh';
    }
  }
  // A complete dump that looks wrong (shrank, lost instances, took far longer): warn until acked.
  if (status.history?.anomaly) warning.push(status.history.anomaly);
  const drill = drillWarning(
    status.lastDrill,
    status.drillScheduled === true,
    options.now,
    options.drillMaxAgeMs,
  );
  if (drill) warning.push(drill);
  for (const problem of status.problems) {
    // Already critical above, in its own words.
    if (status.lastBackupUnreadable && problem.endsWith(status.lastBackupUnreadable)) continue;
    warning.push(problem);
  }
  const missingImages = imagesWarning(status.imagesCheck);
  if (missingImages) warning.push(missingImages);

  const level: Level = critical.length > 0 ? 'critical' : warning.length > 0 ? 'warning' : 'ok';
  return {
    level,
    reasons: [...critical, ...warning],
    backup,
    maxAgeMs,
    ...(lateAfterMs === undefined ? {} : { lateAfterMs }),
  };
}
