import {
  type LastBackupRecord,
  readLastBackupState,
  unreadableLastBackup,
} from '../backup/last-backup.ts';
import { readShares } from '../cifs/shares.ts';
import type { Compose } from '../compose/compose.ts';
import type { ServiceState } from '../compose/containers.ts';
import { unacknowledgedAnomaly } from '../history/guard.ts';
import type { HistoryEntry } from '../history/history-file.ts';
import {
  type LastImagesCheckSummary,
  lastImagesCheckSummary,
  readLastImagesCheck,
} from '../images/last-check.ts';
import { unreadableLockFiles } from '../lock/host-lock.ts';
import { finishRestoreCommand, readMarkerState } from '../lock/restore-marker.ts';
import { OrthancClient, type OrthancStatistics } from '../orthanc/client.ts';
import { type LastDrill, readLastDrill } from '../records/last-drill.ts';
import { drillWrapperName, readSchedule, type ScheduleState } from '../schedule/schedule.ts';

/** One snapshot of the archive's health, shared by `ovena status`, `--json` and the home screen. */
export type ArchiveStatus = {
  composeFiles: string[];
  composeVersion: string;
  services: Array<ServiceState & { role: 'db' | 'orthanc'; up: boolean }>;
  orthanc: {
    url: string;
    reachable: boolean;
    version?: string;
    statistics?: Pick<
      OrthancStatistics,
      'CountPatients' | 'CountStudies' | 'CountSeries' | 'CountInstances'
    >;
    error?: string;
  };
  /** The CIFS shares of the compose files, without passwords; `configured` is false on template placeholders. */
  shares: Array<{
    volume: string;
    server: string;
    share: string;
    username: string | undefined;
    configured: boolean;
  }>;
  /** Every service running and none unhealthy. */
  healthy: boolean;
  /** The last backup run (null when none was recorded on this host). */
  lastBackup?: LastBackupRecord | null;
  /** Set when last-backup.json is there but cannot be read: the sentence naming it. */
  lastBackupUnreadable?: string;
  /** Lock files that cannot be read: a restore or cifs apply refuses while one is there. */
  unreadableLocks?: string[];
  /** When cron runs the backup. */
  schedule?: ScheduleState;
  /** The last restore drill (null when none was recorded on this host). */
  lastDrill?: LastDrill | null;
  /** When cron runs the drill. */
  drillSchedule?: ScheduleState;
  /** A restore that removed the database and did not finish (null when none). */
  unfinishedRestore?: UnfinishedRestore | null;
  /** The newest backup the anomaly guard flagged that nobody acknowledged (null when none). */
  anomaly?: HistoryEntry | null;
  /** The last images check, short form (null when none ran on this host). */
  lastImagesCheck?: LastImagesCheckSummary;
};

export type UnfinishedRestore = {
  dump: string;
  startedAt: string;
  safetyDump?: string;
  /** The command that completes it. */
  command: string;
  /** A beside restore's switch (issue 18) that did not finish: `ovena start` settles it. */
  beside?: boolean;
  /** Set when the marker file cannot be read: its path and why (it blocks start and backup). */
  unreadable?: string;
};

/** The backup-related part of the status: files only, no docker call. */
export async function collectBackupStatus(paths: {
  stateDir: string;
  cronDir: string;
}): Promise<
  Pick<
    ArchiveStatus,
    | 'lastBackup'
    | 'lastBackupUnreadable'
    | 'unreadableLocks'
    | 'schedule'
    | 'unfinishedRestore'
    | 'lastImagesCheck'
    | 'lastDrill'
    | 'drillSchedule'
  >
> {
  const [lastBackup, schedule, marker, imagesCheck, lastDrill, drillSchedule, badLocks] =
    await Promise.all([
      readLastBackupState(paths.stateDir),
      readSchedule(paths.cronDir).catch(() => undefined),
      readMarkerState(paths.stateDir),
      readLastImagesCheck(paths.stateDir),
      readLastDrill(paths.stateDir),
      readSchedule(paths.cronDir, drillWrapperName).catch(() => undefined),
      unreadableLockFiles(paths.stateDir),
    ]);
  const unfinished =
    marker.kind === 'marker' &&
    marker.marker.phase !== 'stopping' &&
    marker.marker.phase !== 'beside-loading'
      ? marker.marker
      : undefined;
  return {
    lastBackup: lastBackup.kind === 'record' ? lastBackup.record : null,
    ...(lastBackup.kind === 'unreadable'
      ? { lastBackupUnreadable: unreadableLastBackup(lastBackup.file, lastBackup.reason) }
      : {}),
    ...(schedule ? { schedule } : {}),
    ...(badLocks.length > 0 ? { unreadableLocks: badLocks } : {}),
    lastDrill: lastDrill ?? null,
    ...(drillSchedule ? { drillSchedule } : {}),
    // An unreadable marker is shown, never read as "no restore": it blocks start and backup.
    unfinishedRestore:
      marker.kind === 'unreadable'
        ? {
            dump: 'unknown',
            startedAt: 'unknown',
            command: 'ovena --file=NAME restore',
            unreadable: `${marker.file} (${marker.reason})`,
          }
        : unfinished
          ? {
              dump: unfinished.dump,
              startedAt: unfinished.startedAt,
              ...(unfinished.safetyDump ? { safetyDump: unfinished.safetyDump } : {}),
              ...(unfinished.mode === 'beside' ? { beside: true } : {}),
              command: finishRestoreCommand(unfinished),
            }
          : null,
    lastImagesCheck: lastImagesCheckSummary(imagesCheck),
  };
}

/** The pending anomaly from the run history (`ovena status`); an unreadable history shows none. */
export async function collectAnomaly(paths: {
  stateDir: string;
}): Promise<Pick<ArchiveStatus, 'anomaly'>> {
  const anomaly = await unacknowledgedAnomaly(paths.stateDir).catch(() => undefined);
  return { anomaly: anomaly ?? null };
}

/** The services' state and Orthanc's answer: the docker and HTTP part of the status. */
export async function readServices(
  compose: Compose,
  signal?: AbortSignal,
): Promise<Pick<ArchiveStatus, 'services' | 'orthanc'>> {
  const { dbService, orthancService, orthancUrl } = compose.project;
  const roles = [
    [dbService, 'db'],
    [orthancService, 'orthanc'],
  ] as const;
  const services = await Promise.all(
    roles.map(async ([name, role]) => {
      const state = await compose.serviceState(name, signal);
      return { ...state, role, up: state.state === 'running' && state.health !== 'unhealthy' };
    }),
  );
  const orthanc: ArchiveStatus['orthanc'] = { url: orthancUrl, reachable: false };
  const orthancUp = services.find((service) => service.role === 'orthanc')?.state === 'running';
  if (orthancUp) {
    const client = new OrthancClient(orthancUrl);
    try {
      const system = await client.system(signal);
      const statistics = await client.statistics(signal);
      orthanc.reachable = true;
      orthanc.version = system.Version;
      orthanc.statistics = {
        CountPatients: statistics.CountPatients,
        CountStudies: statistics.CountStudies,
        CountSeries: statistics.CountSeries,
        CountInstances: statistics.CountInstances,
      };
    } catch (error) {
      orthanc.error = (error as Error).message;
    }
  }
  return { services, orthanc };
}

/** The CIFS shares of the compose files, parsed once, without passwords. */
export async function readShareSummaries(
  composeFiles: readonly string[],
): Promise<ArchiveStatus['shares']> {
  return (await readShares(composeFiles)).map((share) => ({
    volume: share.volume,
    server: share.server,
    share: share.share,
    username: share.username,
    configured: share.configured,
  }));
}

/** Configured when the compose files define CIFS shares and none still holds a placeholder. */
export function sharesConfigured(shares: ArchiveStatus['shares']): boolean {
  return shares.length > 0 && shares.every((share) => share.configured);
}

export async function collectStatus(
  compose: Compose,
  signal?: AbortSignal,
): Promise<ArchiveStatus> {
  const [{ services, orthanc }, shares] = await Promise.all([
    readServices(compose, signal),
    readShareSummaries(compose.files).catch(() => []),
  ]);
  return {
    composeFiles: compose.files,
    shares,
    composeVersion: compose.flavor,
    services,
    orthanc,
    healthy: services.every((service) => service.up),
  };
}
