import { formatBytes, formatDuration } from '../format.ts';
import type { AnomalyReason, HistoryEntry } from './history-file.ts';

/**
 * The anomaly guard: a backup that is complete but suspicious compared with the recent ones of
 * the same name or stem. Pure functions over the history (oldest first).
 */
export type AnomalyThresholds = {
  /** Flag a dump smaller than this share of the median size (default 0.5). */
  minSizeRatio: number;
  /** Flag a run longer than this many times the median duration (default 4). */
  maxDurationRatio: number;
  /** Instances Orthanc's index may lose between two backups without a flag (default 0). */
  instancesMayDrop: number;
};

export const defaultThresholds: AnomalyThresholds = {
  minSizeRatio: 0.5,
  maxDurationRatio: 4,
  instancesMayDrop: 0,
};

/** How many successful backups of the same stem make the median. */
export const baselineRuns = 10;

/**
 * A dump's stem: its base name without `.gz`/`.sql` and without a trailing date or time, so
 * `nightly-20261127T0100Z.sql.gz` and `nightly-20261128T0100Z.sql.gz` compare with each other.
 */
export function dumpStem(file: string): string {
  const base = file.split('/').pop() ?? file;
  const bare = base.replace(/\.gz$/, '').replace(/\.sql$/, '');
  const stem = bare.replace(/[-_.]?\d{4}[0-9TZtz:_.-]*$/, '');
  return stem === '' ? bare : stem;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Backups flagged by the guard and not acknowledged yet, newest last. */
export function unacknowledgedAnomalies(entries: readonly HistoryEntry[]): HistoryEntry[] {
  let lastAck = -1;
  entries.forEach((entry, index) => {
    if (entry.kind === 'ack') lastAck = index;
  });
  return entries.filter(
    (entry, index) =>
      index > lastAck && entry.kind === 'backup' && (entry.anomaly?.length ?? 0) > 0,
  );
}

/**
 * Where the size and duration baseline starts: after the newest restore (the database changed on
 * purpose), or at the newest acknowledged anomalous backup (the operator said it is the new truth).
 */
export function baselineStart(entries: readonly HistoryEntry[]): number {
  let start = 0;
  let lastAck = -1;
  entries.forEach((entry, index) => {
    if (entry.kind === 'ack') lastAck = index;
  });
  entries.forEach((entry, index) => {
    if (entry.kind === 'restore' && entry.result === 'ok') start = Math.max(start, index + 1);
    if (index < lastAck && entry.kind === 'backup' && (entry.anomaly?.length ?? 0) > 0)
      start = Math.max(start, index);
  });
  return start;
}

export type Baseline = {
  /** The last successful backups of the same stem since the baseline start (at most 10). */
  runs: HistoryEntry[];
  medianBytes: number | undefined;
  medianDurationMs: number | undefined;
  /** The instance count to compare with: the newest backup or restore that recorded one. */
  previousInstances: { count: number; from: HistoryEntry } | undefined;
};

export function baselineFor(entries: readonly HistoryEntry[], file: string): Baseline {
  const stem = dumpStem(file);
  const start = baselineStart(entries);
  const runs = entries
    .slice(start)
    .filter(
      (entry) =>
        entry.kind === 'backup' &&
        entry.result === 'ok' &&
        entry.file !== undefined &&
        dumpStem(entry.file) === stem,
    )
    .slice(-baselineRuns);
  // The instance count belongs to the database, not to a file name: the newest reading counts.
  const previous = [...entries]
    .reverse()
    .find(
      (entry) =>
        (entry.kind === 'backup' || entry.kind === 'restore') &&
        entry.result === 'ok' &&
        entry.instances !== undefined,
    );
  return {
    runs,
    medianBytes: median(runs.flatMap((entry) => (entry.bytes === undefined ? [] : [entry.bytes]))),
    medianDurationMs: median(runs.map((entry) => entry.durationMs)),
    previousInstances:
      previous?.instances === undefined ? undefined : { count: previous.instances, from: previous },
  };
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const times = (ratio: number) => `${Number(ratio.toFixed(1))}×`;

export type RunToCheck = {
  file: string;
  bytes: number;
  durationMs: number;
  instances?: number | undefined;
};

/** The rules a successful backup breaks against the history before it; empty when none. */
export function detectAnomaly(
  entries: readonly HistoryEntry[],
  run: RunToCheck,
  thresholds: AnomalyThresholds = defaultThresholds,
): AnomalyReason[] {
  const baseline = baselineFor(entries, run.file);
  const reasons: AnomalyReason[] = [];
  const count = baseline.runs.length;
  const over = `the median of the last ${count} backup${count === 1 ? '' : 's'}`;
  const { medianBytes, medianDurationMs, previousInstances } = baseline;
  if (medianBytes !== undefined && medianBytes > 0) {
    const ratio = run.bytes / medianBytes;
    if (ratio < thresholds.minSizeRatio) {
      reasons.push({
        rule: 'size',
        value: run.bytes,
        baseline: medianBytes,
        threshold: thresholds.minSizeRatio,
        text: `the dump shrank to ${formatBytes(run.bytes)}, ${percent(ratio)} of ${over} (${formatBytes(medianBytes)}; alarm below ${percent(thresholds.minSizeRatio)})`,
      });
    }
  }
  if (previousInstances && run.instances !== undefined) {
    const drop = previousInstances.count - run.instances;
    if (drop > thresholds.instancesMayDrop) {
      const from =
        previousInstances.from.kind === 'restore'
          ? 'left by the last restore'
          : 'at the previous backup';
      reasons.push({
        rule: 'instances',
        value: run.instances,
        baseline: previousInstances.count,
        threshold: thresholds.instancesMayDrop,
        text: `Orthanc's index dropped from ${previousInstances.count} to ${run.instances} instances (${from}; ${drop} fewer)`,
      });
    }
  }
  if (medianDurationMs !== undefined && medianDurationMs > 0) {
    const ratio = run.durationMs / medianDurationMs;
    if (ratio > thresholds.maxDurationRatio) {
      reasons.push({
        rule: 'duration',
        value: run.durationMs,
        baseline: medianDurationMs,
        threshold: thresholds.maxDurationRatio,
        text: `the backup took ${formatDuration(run.durationMs)}, ${times(ratio)} ${over} (${formatDuration(medianDurationMs)}; alarm above ${times(thresholds.maxDurationRatio)})`,
      });
    }
  }
  return reasons;
}

/** One line for check, status and prune: which run, and why. */
export function describeAnomaly(entry: HistoryEntry): string {
  const name = entry.file?.split('/').pop() ?? 'backup';
  const reasons = (entry.anomaly ?? []).map((reason) => reason.text).join('; ');
  return `anomalous backup ${name} at ${entry.at.replace(/\.\d+Z$/, 'Z')}: ${reasons}; "ovena history --ack" acknowledges it`;
}
