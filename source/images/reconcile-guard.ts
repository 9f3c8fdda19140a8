import { acquireLock, type HostLock } from '../lock/host-lock.ts';
import { assertNoBlockingRestore } from '../lock/restore-marker.ts';

/**
 * The host lock of an images operation, then the restore marker: reconcile writes to Orthanc and
 * moves files on the share, so it never runs beside a restore or a `cifs apply`, nor while start
 * or stop run, nor over a restore that did not finish; a backup may run meanwhile. The check only
 * reads, but never beside a restore (or a reconcile) either (lock/lock-table.ts).
 */
async function takeImagesLock(
  stateDir: string,
  kind: 'images-check' | 'images-reconcile',
  doing: string,
): Promise<HostLock> {
  const lock = await acquireLock(stateDir, kind);
  try {
    await assertNoBlockingRestore(stateDir, kind, doing);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return lock;
}

export function takeReconcileLock(stateDir: string): Promise<HostLock> {
  return takeImagesLock(stateDir, 'images-reconcile', 'reconciling the image files');
}

export function takeCheckLock(stateDir: string): Promise<HostLock> {
  return takeImagesLock(stateDir, 'images-check', 'checking the image files');
}
