import { readShares } from '../../cifs/shares.ts';
import type { Compose } from '../../compose/compose.ts';
import type { Paths } from '../../paths.ts';
import { readUnfinishedRestore } from '../../restore/restore-marker.ts';
import { readSchedule } from '../../schedule/index.ts';
import { drillWrapperName } from '../../schedule/schedule.ts';
import { readLastBackup } from '../../state/last-backup.ts';
import { readLastDrill } from '../../state/last-drill.ts';
import { collectStatus } from '../../status/collect-status.ts';
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

/** Configured when the compose files define CIFS shares and none still holds a placeholder. */
export async function sharesConfigured(composeFiles: readonly string[]): Promise<boolean> {
  const shares = await readShares(composeFiles);
  return shares.length > 0 && shares.every((share) => share.configured);
}

export function defaultSources(compose: Compose, paths: Paths): StatusSources {
  return {
    collectStatus: (signal) => collectStatus(compose, signal),
    readLastBackup: () => readLastBackup(paths.stateDir),
    readSchedule: () => scheduleInfo(paths.cronDir),
    sharesConfigured: () => sharesConfigured(compose.files),
    unfinishedRestore: () => readUnfinishedRestore(paths.stateDir),
    readLastDrill: () => readLastDrill(paths.stateDir),
    drillScheduled: async () =>
      (await readSchedule(paths.cronDir, drillWrapperName)).schedule !== 'off',
  };
}
