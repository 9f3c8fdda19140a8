import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, OvenaError } from '../errors.ts';

export type LockOwner = { pid: number; command: string; startedAt: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export type HostLock = { owner: LockOwner; stale?: LockOwner; release(): Promise<void> };

/**
 * One backup or restore at a time on this host. The lock file is created exclusively; a lock whose
 * process is gone (kill -9, power loss) is taken over, and the caller is told about it through
 * `stale` so it can clean up what that run left.
 */
export async function acquireHostLock(stateDir: string, command: string): Promise<HostLock> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, 'ovena.lock');
  const owner: LockOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
  let stale: LockOwner | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.sync();
      await handle.close();
      return {
        owner,
        ...(stale ? { stale } : {}),
        release: async () => {
          const current = await readOwner(file);
          if (current?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readOwner(file);
    if (current && isAlive(current.pid) && current.pid !== process.pid) {
      throw new OvenaError(
        `another ovena ${current.command} is running (pid ${current.pid}, started ${current.startedAt}): wait for it to finish`,
        ExitCode.busy,
      );
    }
    // Dead owner (or unreadable file): move it aside atomically so only one taker wins.
    stale = current;
    const aside = `${file}.stale-${process.pid}`;
    try {
      await rename(file, aside);
      await rm(aside, { force: true });
    } catch {
      // Another process took it over first; try again.
    }
  }
  throw new OvenaError('could not take the ovena lock: try again', ExitCode.busy);
}
