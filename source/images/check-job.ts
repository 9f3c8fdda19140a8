import type { Compose } from '../compose/compose.ts';
import { messageOf } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { describeImagesCheck, type ImagesCheck } from './check-result.ts';
import { composeCheckTarget } from './check-target.ts';
import { writeLastImagesCheck } from './last-check.ts';
import { takeCheckLock } from './reconcile-guard.ts';
import { runImagesCheck } from './run-check.ts';

/** One line after a check: the verdict and what to run next. */
export function checkAdvice(check: ImagesCheck): string {
  if (check.result === 'clean') return describeImagesCheck(check);
  return `WARNING: ${describeImagesCheck(check)}: "ovena images check" lists them, "ovena images reconcile" re-ingests the orphans`;
}

/**
 * The images check as a job step, for the home screen and the end of a restore. With
 * `tolerateFailure` a check that cannot run is reported in the summary instead of failing the job
 * (a restore that succeeded stays a success).
 */
export function imagesCheckJob(
  compose: Compose,
  stateDir: string,
  options: { tolerateFailure?: boolean; onResult?(check: ImagesCheck): void } = {},
): Job & { result(): ImagesCheck | undefined } {
  let result: ImagesCheck | undefined;
  return {
    title: 'Check image files',
    result: () => result,
    steps: [
      {
        id: 'images-check',
        title: 'Compare the index with the files on the images share',
        async run({ signal, progress }) {
          let lock: Awaited<ReturnType<typeof takeCheckLock>> | undefined;
          try {
            lock = await takeCheckLock(stateDir);
            result = await runImagesCheck(composeCheckTarget(compose), {
              signal,
              onProgress: (update) =>
                progress({
                  done: update.files,
                  unit: 'items',
                  detail: `files scanned, ${update.elapsedMs > 0 ? Math.round((update.files * 1000) / update.elapsedMs) : 0} files/s`,
                }),
            });
          } catch (error) {
            if (signal.aborted || !options.tolerateFailure) throw error;
            const message = redactSecrets(messageOf(error));
            await writeLastImagesCheck(stateDir, {
              at: new Date().toISOString(),
              result: 'failed',
              error: message,
            }).catch(() => {});
            return {
              summary: `WARNING: the images check could not run (${message}): run "ovena images check"`,
            };
          } finally {
            await lock?.release();
          }
          await writeLastImagesCheck(stateDir, result);
          options.onResult?.(result);
          return { summary: checkAdvice(result) };
        },
      },
    ],
    describeState: () => 'nothing was changed (the check only reads)',
    successSummary: () => (result ? checkAdvice(result) : undefined),
  };
}

/**
 * A job followed by the images check as its last step (the end of a restore that starts Orthanc).
 * The check never fails the job: a check that cannot run is a warning in its summary.
 */
export function withImagesCheck<T extends Job>(
  job: T,
  compose: Compose,
  stateDir: string,
): T & { imagesCheck(): ImagesCheck | undefined } {
  const check = imagesCheckJob(compose, stateDir, { tolerateFailure: true });
  return {
    ...job,
    imagesCheck: () => check.result(),
    steps: [...job.steps, ...check.steps],
    successSummary: () =>
      [job.successSummary?.(), check.successSummary?.()].filter(Boolean).join('; ') || undefined,
  };
}
