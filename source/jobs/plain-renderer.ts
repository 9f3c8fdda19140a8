import type { Writable } from 'node:stream';
import {
  formatAmount,
  formatBytes,
  formatDuration,
  formatRate,
  formatStepDuration,
  formatTimestamp,
} from '../format.ts';
import type { JobEvent, Progress } from './job.ts';
import { progressRatio, remainingMs } from './progress-ratio.ts';

export type PlainRendererOptions = {
  /** Progress lines at most this often per step (cron logs want few lines). */
  progressEveryMs?: number;
};

export function describeProgress(progress: Progress, elapsedMs: number): string {
  const parts: string[] = [];
  if (progress.done !== undefined) {
    parts.push(formatAmount(progress.done, progress.total, progress.unit));
    const ratio = progressRatio(progress);
    if (ratio !== undefined) parts.push(`${Math.floor(ratio * 100)}%`);
    if (progress.unit === 'bytes') parts.push(formatRate(progress.done, elapsedMs));
    const remaining = remainingMs(progress, elapsedMs);
    if (remaining !== undefined) parts.push(`ETA ${formatDuration(remaining)}`);
  }
  if (progress.written !== undefined) {
    parts.push(`${formatBytes(progress.written)} written`);
    if (elapsedMs > 0 && progress.written > 0) parts.push(formatRate(progress.written, elapsedMs));
  }
  if (progress.detail) parts.push(progress.detail);
  parts.push(`elapsed ${formatDuration(elapsedMs)}`);
  return parts.join(', ');
}

/**
 * Plain timestamped lines for cron, pipes and CI: no cursor codes, one line per change, progress
 * throttled so a log stays readable.
 */
export function createPlainRenderer(
  stream: Writable,
  options: PlainRendererOptions = {},
): (event: JobEvent) => void {
  const every = options.progressEveryMs ?? 10_000;
  const lastProgress = new Map<string, number>();
  const line = (at: number, text: string) => stream.write(`${formatTimestamp(at)} ${text}\n`);
  return (event) => {
    switch (event.type) {
      case 'job-started':
        line(event.at, `${event.title}: ${event.steps.length} steps`);
        break;
      case 'step-started':
        lastProgress.set(event.id, event.at);
        line(event.at, `start   ${event.title}`);
        break;
      case 'step-progress': {
        const last = lastProgress.get(event.id) ?? 0;
        if (event.at - last < every) break;
        lastProgress.set(event.id, event.at);
        line(event.at, `...     ${describeProgress(event.progress, event.at - event.startedAt)}`);
        break;
      }
      case 'step-log':
        line(event.at, `        ${event.line}`);
        break;
      case 'step-finished':
        line(
          event.at,
          `done    ${event.title} (${formatStepDuration(event.durationMs)})${event.summary ? `: ${event.summary}` : ''}`,
        );
        break;
      case 'step-skipped':
        line(event.at, `skipped ${event.title}: ${event.reason}`);
        break;
      case 'step-failed':
        // The error is said once, by the job's last line ("FAILED at ..."), with the state after it.
        line(
          event.at,
          `${event.interrupted ? 'STOPPED' : 'FAILED '} ${event.title} (${formatStepDuration(event.durationMs)})`,
        );
        break;
      case 'job-finished': {
        const { result } = event;
        if (result.outcome === 'succeeded') {
          line(
            event.at,
            `OK ${formatDuration(result.durationMs)}${result.state ? `: ${result.state}` : ''}`,
          );
        } else {
          const verb = result.outcome === 'interrupted' ? 'INTERRUPTED during' : 'FAILED at';
          line(
            event.at,
            `${verb} "${result.stoppedAt?.title ?? '?'}"${result.error && result.outcome === 'failed' ? `: ${result.error}` : ''}`,
          );
          if (result.state) line(event.at, `state: ${result.state}`);
        }
        break;
      }
    }
  };
}
