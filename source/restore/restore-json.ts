import { jsonOfResult } from '../jobs/execute-job.ts';
import type { Job, JobResult } from '../jobs/job.ts';

/**
 * The one JSON document of `restore --json`: the restore job's result and, when `--start` ran the
 * start job after it, that job's result under `start`. The top-level exitCode is the command's
 * exit code (the start's when the start ran), like every other --json document.
 */
export function restoreDocument(
  restore: { job: Job; result: JobResult },
  start?: { job: Job; result: JobResult },
): Record<string, unknown> {
  const document = jsonOfResult(restore.job, restore.result);
  if (!start) return document;
  return {
    ...document,
    exitCode: start.result.exitCode,
    start: jsonOfResult(start.job, start.result),
  };
}
