import type { Job } from '../jobs/job.ts';
import { acquireLock, type HostLock } from './host-lock.ts';
import type { LockKind } from './lock-table.ts';

/**
 * The job with the host lock around it: its first step takes the lock for `kind` (refused with
 * exit 75, naming the running operation, when the lock table says so), and the lock is released
 * when the job ends, however it ends.
 */
export function lockedJob(
  job: Job,
  stateDir: string,
  kind: LockKind,
  options: { detail?: string; nothingDone?: string } = {},
): Job {
  let lock: HostLock | undefined;
  return {
    ...job,
    steps: [
      {
        id: 'lock',
        title: 'Take the host lock',
        async run() {
          lock = await acquireLock(
            stateDir,
            kind,
            options.detail ? { detail: options.detail } : {},
          );
        },
      },
      ...job.steps,
    ],
    describeState: (stoppedAt, outcome) =>
      stoppedAt === 'lock'
        ? (options.nothingDone ?? 'nothing was changed')
        : job.describeState?.(stoppedAt, outcome),
    cleanup: async () => {
      await lock?.release();
      await job.cleanup?.();
    },
  };
}
