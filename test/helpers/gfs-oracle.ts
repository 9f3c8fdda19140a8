import type { Dated } from '../../source/retention/gfs.ts';
import { type GfsPolicy, gfsRules } from '../../source/retention/policy.ts';

/**
 * The GFS plan against an oracle written here from the definition alone (restic's forget, UTC):
 * for each rule with count N, the periods that hold a dump, most recent first; the first N of them;
 * in each, its newest dump. Period labels are computed differently from the implementation:
 * strings from toISOString for hours, days and months, and ISO weeks by walking the calendar.
 */
export const hour = 3_600_000;
export const day = 24 * hour;

/** ISO week by brute force: the Monday of the week, its Thursday's year, and Mondays counted back. */
export function oracleWeek(ms: number): string {
  let monday = Math.floor(ms / day) * day;
  while (new Date(monday).getUTCDay() !== 1) monday -= day;
  const weekYear = new Date(monday + 3 * day).getUTCFullYear();
  let week = 1;
  for (let earlier = monday - 7 * day; ; earlier -= 7 * day) {
    if (new Date(earlier + 3 * day).getUTCFullYear() !== weekYear) break;
    week++;
  }
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

function oracleLabel(rule: string, dump: Dated): string {
  const iso = new Date(dump.timeMs).toISOString();
  if (rule === 'last') return dump.name;
  if (rule === 'hourly') return iso.slice(0, 13);
  if (rule === 'daily') return iso.slice(0, 10);
  if (rule === 'monthly') return iso.slice(0, 7);
  return oracleWeek(dump.timeMs);
}

export function oracle(dumps: Dated[], policy: GfsPolicy): Map<string, string[]> {
  const result = new Map<string, string[]>(dumps.map((dump) => [dump.name, []]));
  for (const rule of gfsRules) {
    // Group by period; a period's age is its newest dump's time.
    const periods = new Map<string, Dated>();
    for (const dump of dumps) {
      const label = oracleLabel(rule, dump);
      const newest = periods.get(label);
      if (!newest || dump.timeMs > newest.timeMs) periods.set(label, dump);
    }
    const recent = [...periods.values()].sort((a, b) => b.timeMs - a.timeMs);
    for (const [index, dump] of recent.slice(0, policy[rule]).entries()) {
      result.get(dump.name)?.push(`${rule} #${index + 1}`);
    }
  }
  return result;
}
