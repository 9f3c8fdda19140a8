import { formatDuration, formatTimestamp } from '../format.ts';
import { fixedStepsMs, type RestoreTimings } from '../records/restore-timings.ts';

/**
 * The recovery time a from-scratch restore of this dump would take on this host: the drill's
 * measured load plus the fixed steps (stop, new volume, start the database) measured by the last
 * restore here. Without a restore on record the fixed steps are unknown, and the line says so.
 */
export function rtoEstimate(
  loadMs: number,
  timings: RestoreTimings | undefined,
): { seconds: number | undefined; text: string } {
  if (!timings) {
    return {
      seconds: undefined,
      text: `RTO estimate: at least ${formatDuration(loadMs)} (the load; stop, new volume and start are not yet measured on this host: no restore recorded)`,
    };
  }
  const fixed = fixedStepsMs(timings);
  const total = loadMs + fixed;
  return {
    seconds: Math.round(total / 100) / 10,
    text: `RTO estimate: ${formatDuration(total)} (load ${formatDuration(loadMs)} + stop, new volume and start ${formatDuration(fixed)} as measured by the restore of ${formatTimestamp(Date.parse(timings.at))})`,
  };
}
