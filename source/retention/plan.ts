import type { DumpFile } from '../dumps/list-dumps.ts';
import { defaultStem, parseStampedName, safetyStem } from '../dumps/stamped-names.ts';
import { newestFirst, planGfs } from './gfs.ts';
import type { Policy } from './policy.ts';

/** One candidate dump in a prune plan. */
export type PlanEntry = {
  name: string;
  sizeBytes: number;
  /** The UTC time in the name (never the file's mtime). */
  timeMs: number;
  stem: string;
  kind: 'dump' | 'safety';
  action: 'keep' | 'remove';
  /** The rules that keep it, e.g. ["hourly #3", "daily #1"] or ["newest verified"]. */
  keptBy: string[];
};

export type PrunePlan = {
  /** Newest first; only timestamped dumps of known stems and pre-restore safety dumps. */
  entries: PlanEntry[];
  /** Every other file in the share (the fixed-name dump, hand-made files): never touched. */
  untouched: string[];
};

export const newestVerifiedReason = 'newest verified';

export type PlanInput = {
  dumps: readonly DumpFile[];
  policy: Policy;
  /** Stems `--timestamp` wrote on this host; `ovena-db-backup` is always known. */
  knownStems: readonly string[];
  /** The file name of the newest dump that passed verification (from the backup record). */
  newestVerified?: string;
  now: number;
};

/**
 * Which dumps a policy keeps. GFS runs per stem (each stem is its own series, like restic's
 * grouping by path); safety dumps keep the newest `last` and any younger than `withinMs`. The
 * newest verified dump is always kept, whatever the rules say.
 */
export function buildPlan(input: PlanInput): PrunePlan {
  const known = new Set([defaultStem, ...input.knownStems]);
  known.delete(safetyStem);
  const byStem = new Map<string, Array<DumpFile & { timeMs: number }>>();
  const safety: Array<DumpFile & { timeMs: number }> = [];
  const untouched: string[] = [];
  for (const dump of input.dumps) {
    const stamped = parseStampedName(dump.name);
    if (stamped?.stem === safetyStem) safety.push({ ...dump, timeMs: stamped.timeMs });
    else if (stamped && known.has(stamped.stem)) {
      const series = byStem.get(stamped.stem) ?? [];
      series.push({ ...dump, timeMs: stamped.timeMs });
      byStem.set(stamped.stem, series);
    } else untouched.push(dump.name);
  }
  const entries: PlanEntry[] = [];
  for (const [stem, series] of byStem) {
    const reasons = planGfs(series, input.policy.gfs);
    for (const dump of series) {
      const keptBy = reasons.get(dump.name) ?? [];
      entries.push(entryOf(dump, stem, 'dump', keptBy));
    }
  }
  for (const [index, dump] of newestFirst(safety).entries()) {
    const keptBy: string[] = [];
    if (index < input.policy.safety.last) keptBy.push(`safety newest #${index + 1}`);
    if (input.now - dump.timeMs < input.policy.safety.withinMs) keptBy.push('safety within');
    entries.push(entryOf(dump, safetyStem, 'safety', keptBy));
  }
  for (const entry of entries) {
    if (entry.name === input.newestVerified) {
      entry.keptBy.push(newestVerifiedReason);
      entry.action = 'keep';
    }
  }
  return { entries: newestFirst(entries), untouched: untouched.sort() };
}

function entryOf(
  dump: DumpFile & { timeMs: number },
  stem: string,
  kind: PlanEntry['kind'],
  keptBy: string[],
): PlanEntry {
  return {
    name: dump.name,
    sizeBytes: dump.sizeBytes,
    timeMs: dump.timeMs,
    stem,
    kind,
    action: keptBy.length > 0 ? 'keep' : 'remove',
    keptBy: [...keptBy],
  };
}

export function removals(plan: PrunePlan): PlanEntry[] {
  return plan.entries.filter((entry) => entry.action === 'remove');
}
