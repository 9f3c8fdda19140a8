import { readLastBackup } from '../backup/last-backup.ts';
import type { Compose } from '../compose/compose.ts';
import { historySummary } from '../history/summary.ts';
import { readLastImagesCheck } from '../images/last-check.ts';
import { unreadableLockFiles } from '../lock/host-lock.ts';
import { readUnfinishedRestore } from '../lock/restore-marker.ts';
import type { Paths } from '../paths.ts';
import { readLastDrill } from '../records/last-drill.ts';
import { drillWrapperName, readSchedule } from '../schedule/schedule.ts';
import { readServices, readShareSummaries } from './collect-status.ts';
import type { ScheduleInfo, StatusSources } from './home-status.ts';

/**
 * Where `ovena check` and the home screen read the archive's state. Plain module (no React), so
 * `ovena check` stays Ink-free.
 */
const hour = 3_600_000;
const intervals = { hourly: hour, daily: 24 * hour, weekly: 7 * 24 * hour } as const;

export async function scheduleInfo(cronDir: string): Promise<ScheduleInfo> {
  const { schedule } = await readSchedule(cronDir);
  return schedule === 'off'
    ? { label: 'off' }
    : { label: schedule, intervalMs: intervals[schedule] };
}

export function defaultSources(compose: Compose, paths: Paths): StatusSources {
  return {
    readServices: (signal) => readServices(compose, signal),
    readLastBackup: () => readLastBackup(paths.stateDir),
    readSchedule: () => scheduleInfo(paths.cronDir),
    readShares: () => readShareSummaries(compose.files),
    unfinishedRestore: () => readUnfinishedRestore(paths.stateDir),
    readHistory: () => historySummary(paths.stateDir),
    readImagesCheck: () => readLastImagesCheck(paths.stateDir),
    readLastDrill: () => readLastDrill(paths.stateDir),
    unreadableLocks: () => unreadableLockFiles(paths.stateDir),
    drillScheduled: async () =>
      (await readSchedule(paths.cronDir, drillWrapperName)).schedule !== 'off',
  };
}
