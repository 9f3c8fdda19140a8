import { estimateRemainingMs } from '../format.ts';
import type { Progress } from './job.ts';

/** The share done (0..1): the step's own fraction when it gives one, else done / total. */
export function progressRatio(progress: Progress): number | undefined {
  const { fraction, done, total } = progress;
  if (fraction !== undefined && Number.isFinite(fraction))
    return Math.max(0, Math.min(1, fraction));
  return done !== undefined && total ? Math.max(0, Math.min(1, done / total)) : undefined;
}

/** Time left at the pace so far, from the same share the bar and the percentage show. */
export function remainingMs(progress: Progress, elapsedMs: number): number | undefined {
  if (progress.fraction !== undefined) return estimateRemainingMs(progress.fraction, 1, elapsedMs);
  if (progress.done === undefined) return undefined;
  return estimateRemainingMs(progress.done, progress.total, elapsedMs);
}
