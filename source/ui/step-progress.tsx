import { Text } from 'ink';
import { formatAmount, formatBytes, formatDuration, formatRate } from '../format.ts';
import type { Progress } from '../jobs/job.ts';
import { progressRatio, remainingMs } from '../jobs/progress-ratio.ts';
import { ProgressBar } from './progress-bar.tsx';

/**
 * A running step's progress in at most two lines that fit the terminal: what matters most first
 * (percentage, bytes, ETA next to the bar), the rest (count, rate, detail) on the line below, cut
 * at the width. The step's elapsed time is on its title line.
 */
export type ProgressLayout = { ratio?: number; head: string; tail?: string; barWidth: number };

const indent = 2;

export function progressLayout(
  progress: Progress,
  elapsedMs: number,
  width: number,
): ProgressLayout {
  const { done, total, unit, written } = progress;
  const ratio = progressRatio(progress);
  const head: string[] = [];
  const tail: string[] = [];
  if (ratio !== undefined) head.push(`${Math.floor(ratio * 100)}%`);
  if (unit === 'bytes' && done !== undefined) head.push(formatAmount(done, total, 'bytes'));
  else if (written !== undefined) head.push(`${formatBytes(written)} written`);
  const remaining = remainingMs(progress, elapsedMs);
  if (remaining !== undefined) head.push(`ETA ${formatDuration(remaining)}`);
  if (unit !== 'bytes' && done !== undefined && (total !== undefined || done > 0))
    tail.push(formatAmount(done, total, unit));
  const rateOf = unit === 'bytes' ? done : written;
  if (rateOf !== undefined && rateOf > 0 && elapsedMs > 0) tail.push(formatRate(rateOf, elapsedMs));
  if (progress.detail) tail.push(progress.detail);
  const headText = head.join(' · ');
  // The bar takes what the head leaves, between 10 and 40 cells.
  const barWidth = Math.max(10, Math.min(40, width - indent - 1 - headText.length));
  if (ratio === undefined) {
    const all = [...head, ...tail].join(' · ');
    return { head: all, barWidth };
  }
  return {
    ratio,
    head: headText,
    ...(tail.length > 0 ? { tail: tail.join(' · ') } : {}),
    barWidth,
  };
}

export function StepProgress({
  progress,
  elapsedMs,
  width,
}: {
  progress: Progress;
  elapsedMs: number;
  width: number;
}) {
  const layout = progressLayout(progress, elapsedMs, width);
  return (
    <>
      {layout.ratio === undefined ? (
        layout.head ? (
          <Text dimColor wrap="truncate-end">
            {'  '}
            {layout.head}
          </Text>
        ) : null
      ) : (
        <Text wrap="truncate-end">
          {'  '}
          <ProgressBar ratio={layout.ratio} width={layout.barWidth} /> {layout.head}
        </Text>
      )}
      {layout.tail ? (
        <Text dimColor wrap="truncate-end">
          {'  '}
          {layout.tail}
        </Text>
      ) : null}
    </>
  );
}

/** Cuts `text` to `width` cells with an ellipsis (titles are plain text: one cell a character). */
export function cutTo(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? '…'.slice(0, width) : `${chars.slice(0, width - 1).join('')}…`;
}
