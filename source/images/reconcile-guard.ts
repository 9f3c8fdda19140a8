import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, OvenaError } from '../errors.ts';
import { acquireHostLock, type HostLock } from '../lock/host-lock.ts';
import { isLiveOvena } from '../lock/process-alive.ts';
import { finishRestoreCommand, readUnfinishedRestore } from '../restore/restore-marker.ts';

/**
 * Reconcile writes to Orthanc and moves files on the share: never beside a restore or a
 * `cifs apply`, nor over a restore that did not finish. A backup may run meanwhile, so the host
 * lock is not taken; reconciles exclude each other through a lock of their own.
 * (One function, so the lock kinds of the architecture issue can replace it in one place.)
 */
export async function takeReconcileLock(stateDir: string): Promise<HostLock> {
  try {
    const owner = JSON.parse(await readFile(path.join(stateDir, 'ovena.lock'), 'utf8')) as {
      pid?: number;
      command?: string;
      startedAt?: string;
    };
    if (
      typeof owner.pid === 'number' &&
      /^(restore|cifs)/.test(owner.command ?? '') &&
      isLiveOvena(owner.pid)
    ) {
      throw new OvenaError(
        `an ovena ${owner.command} is running (pid ${owner.pid}, started ${owner.startedAt ?? '?'}): reconcile the images after it has finished`,
        ExitCode.busy,
      );
    }
  } catch (error) {
    if (error instanceof OvenaError) throw error;
    // no lock file (or an unreadable one): nothing runs
  }
  const unfinished = await readUnfinishedRestore(stateDir);
  if (unfinished) {
    throw new OvenaError(
      `a restore of ${unfinished.dump} did not finish, so the index is only partly loaded: "${finishRestoreCommand(unfinished)}" completes it; reconcile refuses until then`,
      ExitCode.busy,
    );
  }
  return acquireHostLock(path.join(stateDir, 'images-reconcile'), 'images reconcile');
}
