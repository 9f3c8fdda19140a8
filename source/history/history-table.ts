import { formatBytes, formatDuration } from '../format.ts';
import { unacknowledgedAnomalies } from './anomaly.ts';
import type { HistoryEntry, HistoryKind } from './history-file.ts';

/** The rows of `ovena history` and of the history view, newest first. */
export type HistoryFilter = { kind?: HistoryKind | undefined; last?: number | undefined };

/** Entries of the kind asked for (all kinds without one), newest first, at most `last`. */
export function selectEntries(
  entries: readonly HistoryEntry[],
  filter: HistoryFilter,
): HistoryEntry[] {
  const chosen = entries.filter((entry) => !filter.kind || entry.kind === filter.kind).reverse();
  return filter.last === undefined ? chosen : chosen.slice(0, filter.last);
}

/** The runs the chart draws, oldest first: the kind asked for, backups by default. */
export function chartRuns(entries: readonly HistoryEntry[], filter: HistoryFilter): HistoryEntry[] {
  const kind = filter.kind ?? 'backup';
  if (kind === 'ack' || kind === 'restore') return [];
  const runs = entries.filter((entry) => entry.kind === kind);
  return filter.last === undefined ? runs : runs.slice(-filter.last);
}

function when(at: string): string {
  return at.replace('T', ' ').slice(0, 16);
}

function result(entry: HistoryEntry, pending: ReadonlySet<HistoryEntry>): string {
  if (entry.result === 'failed') return 'FAILED';
  if ((entry.anomaly?.length ?? 0) > 0) return pending.has(entry) ? 'ANOMALY' : 'anomaly';
  return 'ok';
}

const header = `${'WHEN (UTC)'.padEnd(16)} ${'KIND'.padEnd(7)} ${'RESULT'.padEnd(7)} ${'SIZE'.padStart(8)} ${'TIME'.padStart(6)} ${'INST'.padStart(6)}  FILE`;

/**
 * Table lines: a header, one line per run, and under a run the reasons it was flagged, its error,
 * or who acknowledged. `all` is the whole history (to tell acknowledged anomalies from pending).
 */
export function historyTable(
  rows: readonly HistoryEntry[],
  all: readonly HistoryEntry[],
): string[] {
  const pending = new Set(unacknowledgedAnomalies(all));
  const lines = [header];
  for (const entry of rows) {
    const file =
      entry.kind === 'ack' ? `by ${entry.by ?? '?'}` : (entry.file?.split('/').pop() ?? '');
    lines.push(
      `${when(entry.at).padEnd(16)} ${entry.kind.padEnd(7)} ${result(entry, pending).padEnd(7)} ${(entry.bytes === undefined ? '-' : formatBytes(entry.bytes)).padStart(8)} ${(entry.kind === 'ack' ? '-' : formatDuration(entry.durationMs)).padStart(6)} ${(entry.instances === undefined ? '-' : String(entry.instances)).padStart(6)}  ${file}`.trimEnd(),
    );
    for (const reason of entry.anomaly ?? []) lines.push(`  ! ${reason.text}`);
    if (entry.error) lines.push(`  error: ${entry.error}`);
    if (entry.kind === 'ack' && entry.acknowledges) {
      lines.push(`  acknowledged the anomaly of ${when(entry.acknowledges)}`);
    }
  }
  return lines;
}
