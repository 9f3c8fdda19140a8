import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, OvenaError } from '../errors.ts';
import { bootTime, isLiveOvena } from './process-alive.ts';

export type LockOwner = { pid: number; command: string; startedAt: string };

/**
 * The owner still runs: its pid is a live ovena process and it started after this machine booted
 * (after a power loss the pid may belong to another program, or to a later ovena by chance).
 */
function isAlive(owner: LockOwner): boolean {
  if (owner.pid === process.pid || !isLiveOvena(owner.pid)) return false;
  const booted = bootTime();
  const started = Date.parse(owner.startedAt);
  return booted === undefined || Number.isNaN(started) || started >= booted;
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function sameOwner(a: LockOwner | undefined, b: LockOwner | undefined): boolean {
  return a?.pid === b?.pid && a?.startedAt === b?.startedAt;
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException).code === code;
}

/** Writes the owner to a private file and links it in place: the lock never exists half-written. */
async function createLock(file: string, owner: LockOwner): Promise<boolean> {
  const draft = `${file}.new-${process.pid}`;
  const handle = await open(draft, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
    return false;
  } finally {
    await rm(draft, { force: true });
  }
}

export type HostLock = { owner: LockOwner; stale?: LockOwner; release(): Promise<void> };

/** Test seam: runs between reading a dead owner and moving its file aside. */
export type LockHooks = { beforeTakeover?: () => Promise<void> };

/**
 * One backup or restore at a time on this host. The lock file is created exclusively; a lock whose
 * process is gone (kill -9, power loss) is taken over, and the caller is told about it through
 * `stale` so it can clean up what that run left.
 */
export async function acquireHostLock(
  stateDir: string,
  command: string,
  hooks: LockHooks = {},
): Promise<HostLock> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, 'ovena.lock');
  const owner: LockOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
  let stale: LockOwner | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLock(file, owner)) {
      return {
        owner,
        ...(stale ? { stale } : {}),
        release: async () => {
          const current = await readOwner(file);
          if (sameOwner(current, owner)) await rm(file, { force: true });
        },
      };
    }
    const current = await readOwner(file);
    if (current && isAlive(current)) {
      throw new OvenaError(
        `another ovena ${current.command} is running (pid ${current.pid}, started ${current.startedAt}): wait for it to finish`,
        ExitCode.busy,
      );
    }
    // Dead owner (or unreadable file): move it aside atomically so only one taker wins.
    await hooks.beforeTakeover?.();
    const aside = `${file}.stale-${process.pid}`;
    try {
      await rename(file, aside);
    } catch {
      continue; // Another process took it over first; try again.
    }
    // Another taker may have replaced the dead lock with its live one after we read it: what we
    // moved aside is then that live lock, and goes back in place.
    if (sameOwner(await readOwner(aside), current)) {
      stale = current;
      await rm(aside, { force: true });
      continue;
    }
    try {
      await link(aside, file);
      await rm(aside, { force: true });
    } catch (error) {
      // A third process created a lock in the meantime: leave the moved lock aside (never delete a
      // live owner's file); the retry finds the newcomer and reports busy.
      if (!isCode(error, 'EEXIST')) throw error;
    }
  }
  throw new OvenaError('could not take the ovena lock: try again', ExitCode.busy);
}
