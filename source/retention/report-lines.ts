import { formatBytes } from '../format.ts';
import { formatPeriod } from './policy.ts';
import type { PruneReport } from './prune.ts';

function total(report: PruneReport, action: 'keep' | 'remove'): { count: number; bytes: number } {
  const entries = report.plan.entries.filter((entry) => entry.action === action);
  return { count: entries.length, bytes: entries.reduce((sum, entry) => sum + entry.sizeBytes, 0) };
}

/** The policy line, e.g. "policy last 3, daily 7; pre-restore: newest 3 … (a1b2c3d4, confirmed)". */
export function policyLine(report: PruneReport): string {
  const state = report.confirmed ? 'confirmed' : 'NEW, waits for confirmation';
  return `policy ${report.description}; max gap ${formatPeriod(report.maxGapMs)} (${report.policyHash.slice(0, 8)}, ${state})`;
}

/** Each candidate with KEEP and the rules that keep it, or REMOVE; newest first. */
export function planLines(report: PruneReport): string[] {
  const { entries, untouched } = report.plan;
  const width = Math.max(4, ...entries.map((entry) => entry.name.length));
  const lines = entries.map(
    (entry) =>
      `${entry.action === 'keep' ? 'KEEP  ' : 'REMOVE'}  ${entry.name.padEnd(width)}  ${formatBytes(entry.sizeBytes).padStart(8)}${entry.keptBy.length > 0 ? `  ${entry.keptBy.join(', ')}` : ''}`,
  );
  if (entries.length === 0) lines.push('no timestamped dumps of a known stem and no safety dumps');
  if (untouched.length > 0) {
    const shown = untouched.slice(0, 5).join(', ');
    lines.push(
      `never touched: ${untouched.length} other file(s) (fixed-name dumps, hand-made or unknown names): ${shown}${untouched.length > 5 ? ', …' : ''}`,
    );
  }
  return lines;
}

/** The closing lines: the plan's totals and what the run did (or, on a dry run, would do). */
export function outcomeLines(report: PruneReport): string[] {
  const keep = total(report, 'keep');
  const remove = total(report, 'remove');
  const lines = [
    `plan: keep ${keep.count} (${formatBytes(keep.bytes)}), remove ${remove.count} (${formatBytes(remove.bytes)})`,
  ];
  const refusal = report.refusal;
  if (report.outcome === 'dry-run') {
    lines.push(
      refusal
        ? `dry run, nothing removed; a real run would remove nothing: ${refusal.rule}: ${refusal.message}`
        : 'dry run, nothing removed',
    );
  } else if (report.outcome === 'refused' && refusal) {
    lines.push(`refused (${refusal.rule}), nothing removed: ${refusal.message}`);
  } else if (report.outcome === 'nothing-to-do') {
    lines.push('nothing to remove');
  } else {
    lines.push(`removed ${report.removed.length} dump(s), ${formatBytes(remove.bytes)}`);
  }
  return lines;
}

/** The --json shape (stable): see the README. */
export function reportJson(report: PruneReport): unknown {
  return {
    policy: {
      ...report.policy.gfs,
      safety: { last: report.policy.safety.last, withinMs: report.policy.safety.withinMs },
      maxGapMs: report.maxGapMs,
    },
    policyHash: report.policyHash,
    confirmed: report.confirmed,
    dryRun: report.dryRun,
    outcome: report.outcome,
    refusal: report.refusal ?? null,
    entries: report.plan.entries.map((entry) => ({
      name: entry.name,
      sizeBytes: entry.sizeBytes,
      time: new Date(entry.timeMs).toISOString(),
      kind: entry.kind,
      action: entry.action,
      keptBy: entry.keptBy,
    })),
    remove: report.plan.entries.filter((e) => e.action === 'remove').map((e) => e.name),
    removed: report.removed,
    untouched: report.plan.untouched,
  };
}
