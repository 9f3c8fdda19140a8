import { formatAge, formatDuration } from '../format.ts';
import { type LastDrill, lastPassingDrill } from '../records/last-drill.ts';

/** Without a setting: a weekly drill plus a day (ovena.yml drill.maxAge). */
export const defaultDrillMaxAgeMs = 8 * 24 * 3_600_000;

/**
 * `check`'s and the home screen's word on drills: a warning when no drill passed within maxAge,
 * but only once a drill schedule is set (existing setups stay green).
 */
export function drillWarning(
  drill: LastDrill | undefined,
  scheduled: boolean,
  now: number,
  maxAgeMs = defaultDrillMaxAgeMs,
): string | undefined {
  if (!scheduled) return undefined;
  const passed = lastPassingDrill(drill);
  const failed = drill?.result === 'fail' ? `; the last drill failed: ${drill.reason ?? '?'}` : '';
  if (!passed) return `no passing restore drill recorded${failed}`;
  const age = now - Date.parse(passed.at);
  if (Number.isNaN(age) || age > maxAgeMs) {
    return `last passing restore drill is ${formatAge(age)} old, older than drill.maxAge ${formatDuration(maxAgeMs)}${failed}`;
  }
  return undefined;
}

/** One line for status and the home screen. */
export function drillLine(drill: LastDrill | undefined, now: number): string {
  if (!drill) return 'none recorded on this host ("ovena drill" tests a dump)';
  const age = formatAge(now - Date.parse(drill.at));
  if (drill.result === 'fail') return `FAILED ${age} ago: ${drill.reason ?? '?'}`;
  return `passed ${age} ago: ${drill.dump}, ${drill.counts?.instances ?? '?'} instances, load ${drill.loadSeconds ?? '?'} s${drill.rtoSeconds === undefined ? '' : `, RTO ${drill.rtoSeconds} s`}`;
}
