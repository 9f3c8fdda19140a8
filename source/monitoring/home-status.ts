import type { LastBackupRecord } from '../backup/last-backup.ts';
import { messageOf } from '../errors.ts';
import type { HistorySummary } from '../history/summary.ts';
import type { LastImagesCheck } from '../images/check-result.ts';
import type { LastDrill } from '../records/last-drill.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { type ArchiveStatus, sharesConfigured } from './collect-status.ts';

/**
 * The home screen's and `ovena check`'s view of the archive. Plain data, no React: filled by
 * `loadHomeStatus`, which reads each source once per refresh (services, backup record, schedule,
 * shares, restore marker).
 */

export type { LastBackupRecord } from '../backup/last-backup.ts';

/** The backup schedule, as the cron wrapper says. `intervalMs` undefined when off. */
export type ScheduleInfo = {
  /** e.g. "hourly", "daily", "weekly", "off". */
  label: string;
  intervalMs?: number;
};

export type HomeService = {
  name: string;
  role: 'db' | 'orthanc';
  state: string;
  health?: string;
  up: boolean;
  startedAt?: string;
};

export type HomeStatus = {
  services: HomeService[];
  orthanc: { url: string; reachable: boolean; version?: string; instances?: number };
  /** undefined: no backup recorded yet (or the record cannot be read: then the next field). */
  lastBackup?: LastBackupRecord;
  /** The record is there but cannot be read: the sentence naming the file (check: critical). */
  lastBackupUnreadable?: string;
  /** Lock files that cannot be read (check: warning; a restore refuses while one is there). */
  unreadableLocks?: string[];
  /** undefined: unknown (the cron directory cannot be read). */
  schedule?: ScheduleInfo;
  /** undefined: unknown (the compose files' shares cannot be read). */
  sharesConfigured?: boolean;
  /** A restore that removed the database and did not finish. */
  unfinishedRestore?: { dump: string };
  /** The run history: the last backups' sizes and a pending anomaly. */
  history?: HistorySummary;
  /** The last `ovena images check` (undefined: none recorded). */
  imagesCheck?: LastImagesCheck;
  /** The last restore drill; undefined when none (or unknown in this build). */
  lastDrill?: LastDrill;
  /** A drill schedule is set (check then warns without a recent passing drill). */
  drillScheduled?: boolean;
  /** Sources that failed, one short line each (shown, never fatal). */
  problems: string[];
};

/** Where the status comes from (`defaultSources` reads the real ones; tests pass others). */
export type StatusSources = {
  readServices(signal?: AbortSignal): Promise<Pick<ArchiveStatus, 'services' | 'orthanc'>>;
  readLastBackup?(signal?: AbortSignal): Promise<LastBackupRecord | undefined>;
  readSchedule?(signal?: AbortSignal): Promise<ScheduleInfo | undefined>;
  readShares?(signal?: AbortSignal): Promise<ArchiveStatus['shares']>;
  unfinishedRestore?(signal?: AbortSignal): Promise<{ dump: string } | undefined>;
  readHistory?(signal?: AbortSignal): Promise<HistorySummary>;
  readImagesCheck?(signal?: AbortSignal): Promise<LastImagesCheck | undefined>;
  readLastDrill?(signal?: AbortSignal): Promise<LastDrill | undefined>;
  drillScheduled?(signal?: AbortSignal): Promise<boolean>;
  unreadableLocks?(signal?: AbortSignal): Promise<string[]>;
};

export function homeServices(status: Pick<ArchiveStatus, 'services'>): HomeService[] {
  return status.services.map((service) => ({
    name: service.service,
    role: service.role,
    state: service.state,
    up: service.up,
    ...(service.health ? { health: service.health } : {}),
    ...(service.startedAt && service.state === 'running' ? { startedAt: service.startedAt } : {}),
  }));
}

async function guarded<T>(
  what: string,
  problems: string[],
  read: (() => Promise<T>) | undefined,
): Promise<T | undefined> {
  if (!read) return undefined;
  try {
    return await read();
  } catch (error) {
    problems.push(`${what}: ${redactSecrets(messageOf(error))}`);
    return undefined;
  }
}

/** Reads every source in parallel; a failing optional source becomes a problem line. */
export async function loadHomeStatus(
  sources: StatusSources,
  signal?: AbortSignal,
): Promise<HomeStatus> {
  const problems: string[] = [];
  let lastBackupUnreadable: string | undefined;
  const {
    readLastBackup,
    readSchedule,
    readShares,
    unfinishedRestore,
    readHistory,
    readImagesCheck,
  } = sources;
  const { readLastDrill, drillScheduled } = sources;
  const [
    archive,
    lastBackup,
    schedule,
    shares,
    restore,
    history,
    imagesCheck,
    drill,
    drillSchedule,
    badLocks,
  ] = await Promise.all([
    sources.readServices(signal),
    guarded(
      'last backup',
      problems,
      readLastBackup &&
        (() =>
          readLastBackup(signal).catch((error: unknown) => {
            lastBackupUnreadable = messageOf(error);
            throw error;
          })),
    ),
    guarded('schedule', problems, readSchedule && (() => readSchedule(signal))),
    guarded('shares', problems, readShares && (() => readShares(signal))),
    guarded('restore marker', problems, unfinishedRestore && (() => unfinishedRestore(signal))),
    guarded('history', problems, readHistory && (() => readHistory(signal))),
    guarded('images check', problems, readImagesCheck && (() => readImagesCheck(signal))),
    guarded('last drill', problems, readLastDrill && (() => readLastDrill(signal))),
    guarded('drill schedule', problems, drillScheduled && (() => drillScheduled(signal))),
    guarded(
      'lock files',
      problems,
      sources.unreadableLocks && (() => sources.unreadableLocks?.(signal) ?? Promise.resolve([])),
    ),
  ]);
  const status: HomeStatus = {
    services: homeServices(archive),
    orthanc: {
      url: archive.orthanc.url,
      reachable: archive.orthanc.reachable,
      ...(archive.orthanc.version ? { version: archive.orthanc.version } : {}),
      ...(archive.orthanc.statistics
        ? { instances: archive.orthanc.statistics.CountInstances }
        : {}),
    },
    problems,
  };
  if (lastBackup) status.lastBackup = lastBackup;
  if (lastBackupUnreadable) status.lastBackupUnreadable = lastBackupUnreadable;
  if (badLocks && badLocks.length > 0) status.unreadableLocks = badLocks;
  if (schedule) status.schedule = schedule;
  if (shares !== undefined) status.sharesConfigured = sharesConfigured(shares);
  if (restore) status.unfinishedRestore = { dump: restore.dump };
  if (history) status.history = history;
  if (imagesCheck) status.imagesCheck = imagesCheck;
  if (drill) status.lastDrill = drill;
  if (drillSchedule !== undefined) status.drillScheduled = drillSchedule;
  return status;
}
