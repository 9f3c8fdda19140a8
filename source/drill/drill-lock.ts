import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, OvenaError } from '../errors.ts';
import { acquireHostLock, type HostLock } from '../lock/host-lock.ts';
import { bootTime, isLiveOvena } from '../lock/process-alive.ts';

/** Host-lock holders a drill never runs beside: a backup may run meanwhile (issue 9's table). */
const exclusiveWith = /^(restore|cifs)/;

/**
 * The drill's place in the host's locking, in ONE function so that the integrator can switch it
 * to issue 9's lock kind 'drill'. Until then: it never takes the exclusive host lock (the hourly
 * backup must not fail because of a drill); it refuses (75) while a live restore or cifs change
 * holds that lock; and drills exclude each other through a lock of their own (stateDir/drill/).
 */
export async function acquireDrillLock(stateDir: string, command: string): Promise<HostLock> {
  const holder = await liveHostLockOwner(stateDir);
  if (holder && exclusiveWith.test(holder.command)) {
    throw new OvenaError(
      `an ovena ${holder.command} is running (pid ${holder.pid}, started ${holder.startedAt}): a drill never runs beside it; wait for it to finish`,
      ExitCode.busy,
    );
  }
  return acquireHostLock(path.join(stateDir, 'drill'), command);
}

async function liveHostLockOwner(
  stateDir: string,
): Promise<{ pid: number; command: string; startedAt: string } | undefined> {
  let owner: { pid: number; command: string; startedAt: string };
  try {
    owner = JSON.parse(await readFile(path.join(stateDir, 'ovena.lock'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof owner.pid !== 'number' || !isLiveOvena(owner.pid)) return undefined;
  const booted = bootTime();
  const started = Date.parse(owner.startedAt);
  if (booted !== undefined && !Number.isNaN(started) && started < booted) return undefined;
  return owner;
}
