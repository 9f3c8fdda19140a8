import { describeAnomaly, unacknowledgedAnomalies } from './anomaly.ts';
import { sparkline } from './chart.ts';
import { readHistory } from './history-file.ts';

/** What the home screen's "History" line shows: the last 24 backups' sizes and any anomaly. */
export type HistorySummary = {
  /** Sizes of the last backups, oldest first; undefined for a failed run. */
  sizes: Array<number | undefined>;
  /** Backups in the whole history. */
  backups: number;
  /** The pending anomaly, as one line (check and home show it). */
  anomaly?: string;
  /** How many corrupt lines were skipped. */
  corruptLines: number;
};

export const homeRuns = 24;

export async function historySummary(stateDir: string): Promise<HistorySummary> {
  const { entries, corruptLines } = await readHistory(stateDir);
  const backups = entries.filter((entry) => entry.kind === 'backup');
  const pending = unacknowledgedAnomalies(entries).at(-1);
  return {
    sizes: backups
      .slice(-homeRuns)
      .map((entry) => (entry.result === 'ok' ? (entry.bytes ?? 0) : undefined)),
    backups: backups.length,
    ...(pending ? { anomaly: describeAnomaly(pending) } : {}),
    corruptLines: corruptLines.length,
  };
}

/** "▁▂▄▆█ 24 backups" (plain text; the home screen adds its label). */
export function summaryText(summary: HistorySummary): string {
  if (summary.sizes.length === 0) return 'no runs recorded yet';
  const shown = summary.sizes.length;
  return `${sparkline(summary.sizes)} ${shown === summary.backups ? shown : `last ${shown} of ${summary.backups}`} backup${summary.backups === 1 ? '' : 's'}${summary.anomaly ? ' · ANOMALY' : ''}`;
}
