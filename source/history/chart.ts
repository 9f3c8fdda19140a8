import { formatBytes, formatDuration } from '../format.ts';
import type { HistoryEntry } from './history-file.ts';

/**
 * Size and duration per run as sparklines of plain Unicode blocks, readable without colour:
 * a failed run's size is `×`, an anomalous run gets a `!` under it. Oldest on the left.
 */
export const blocks = '▁▂▃▄▅▆▇█';
export const failedMark = '×';
export const anomalyMark = '!';

/** Scaled from zero, so half the size is half the height; any value above zero shows. */
export function sparkline(values: ReadonlyArray<number | undefined>, max?: number): string {
  const top = max ?? Math.max(0, ...values.map((value) => value ?? 0));
  return values
    .map((value) => {
      if (value === undefined) return failedMark;
      if (top <= 0) return blocks[0];
      const level = Math.min(7, Math.max(0, Math.ceil((value / top) * 8) - 1));
      return blocks[level];
    })
    .join('');
}

export type ChartRun = Pick<HistoryEntry, 'bytes' | 'durationMs' | 'result' | 'anomaly'>;

const labelWidth = 6;
/** " max 999.9 MB": the widest a size or duration suffix gets. */
const suffixWidth = 13;

/** How many runs fit on a line of this width. */
export function chartCells(columns: number): number {
  return Math.max(1, Math.min(columns, 100) - labelWidth - suffixWidth);
}

function cut(line: string, columns: number): string {
  return [...line].length <= columns ? line : `${[...line].slice(0, columns - 1).join('')}…`;
}

/**
 * The chart's lines for runs oldest first: a title, size, time, and a flag line when a shown run
 * is anomalous. Shows the newest runs that fit; no line is wider than `columns`.
 */
export function renderChart(
  runs: readonly ChartRun[],
  columns: number,
  noun = 'backups',
): string[] {
  if (runs.length === 0) return [];
  const shown = runs.slice(-chartCells(columns));
  const sizes = shown.map((run) => (run.result === 'ok' ? (run.bytes ?? 0) : undefined));
  const durations = shown.map((run) => run.durationMs);
  const maxSize = Math.max(0, ...sizes.map((value) => value ?? 0));
  const maxTime = Math.max(0, ...durations);
  const count =
    shown.length === runs.length
      ? `last ${runs.length} ${runs.length === 1 ? noun.replace(/s$/, '') : noun}`
      : `last ${shown.length} of ${runs.length} ${noun}`;
  const flags = shown.map((run) => ((run.anomaly?.length ?? 0) > 0 ? anomalyMark : ' ')).join('');
  const failed = sizes.some((value) => value === undefined);
  const legend = [
    'oldest left',
    ...(failed ? [`${failedMark} failed`] : []),
    ...(flags.trim() ? [`${anomalyMark} anomaly`] : []),
  ].join(', ');
  const lines = [
    `${count} (${legend})`,
    `${'size'.padEnd(labelWidth)}${sparkline(sizes, maxSize)} max ${formatBytes(maxSize)}`,
    `${'time'.padEnd(labelWidth)}${sparkline(durations, maxTime)} max ${formatDuration(maxTime)}`,
  ];
  if (flags.trim()) lines.push(`${' '.repeat(labelWidth)}${flags}`.trimEnd());
  return lines.map((line) => cut(line, columns));
}
