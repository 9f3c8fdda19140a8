import { type GfsPolicy, type GfsRule, gfsRules } from './policy.ts';

/**
 * restic's `forget` (GFS) over dump times, bucketed in UTC: for each rule with a count N, keep the
 * newest dump in each of the N most recent periods that hold a dump. `last` keeps the N newest
 * dumps; weekly periods are ISO weeks. Pure: the same input always gives the same plan.
 */
export type Dated = { name: string; timeMs: number };

/** ISO 8601 week of a UTC time, as a sortable number: year * 100 + week (week-year, 1..53). */
export function isoWeek(ms: number): number {
  const date = new Date(ms);
  const day = (date.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  // The Thursday of this week decides the week-year.
  const thursday = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day + 3);
  const weekYear = new Date(thursday).getUTCFullYear();
  const firstThursday = Date.UTC(weekYear, 0, 4);
  const firstDay = (new Date(firstThursday).getUTCDay() + 6) % 7;
  const week1Monday = firstThursday - firstDay * 86_400_000;
  const mondayOfWeek = thursday - 3 * 86_400_000;
  return weekYear * 100 + 1 + Math.round((mondayOfWeek - week1Monday) / (7 * 86_400_000));
}

/** The period a time falls in, for each rule (UTC; the file's mtime is never used). */
export function periodOf(rule: GfsRule, ms: number, index: number): number {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  switch (rule) {
    case 'last':
      return index; // Each dump is a period of its own.
    case 'hourly':
      return Math.floor(ms / 3_600_000);
    case 'daily':
      return Math.floor(ms / 86_400_000);
    case 'weekly':
      return isoWeek(ms);
    case 'monthly':
      return year * 100 + month;
  }
}

/** Newest first; equal times by name, so the order never depends on the listing. */
export function newestFirst<T extends Dated>(dumps: readonly T[]): T[] {
  return [...dumps].sort(
    (a, b) => b.timeMs - a.timeMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  );
}

/** For each dump name, the rules that keep it, e.g. ["hourly #3", "daily #1"]; [] means remove. */
export function planGfs(dumps: readonly Dated[], policy: GfsPolicy): Map<string, string[]> {
  const ordered = newestFirst(dumps);
  const reasons = new Map<string, string[]>(ordered.map((dump) => [dump.name, []]));
  for (const rule of gfsRules) {
    const count = policy[rule];
    let kept = 0;
    let lastPeriod: number | undefined;
    for (const [index, dump] of ordered.entries()) {
      if (kept >= count) break;
      const period = periodOf(rule, dump.timeMs, index);
      if (period === lastPeriod) continue;
      lastPeriod = period;
      kept++;
      reasons.get(dump.name)?.push(`${rule} #${kept}`);
    }
  }
  return reasons;
}
