import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../source/errors.ts';
import { acquireHostLock, type LockOwner } from '../../source/lock/host-lock.ts';
import { isLiveOvena } from '../../source/lock/process-alive.ts';

/** A long-running process; `ovena` in its command line makes it look like an ovena run. */
function startProcess(looksLikeOvena: boolean): ChildProcess {
  return looksLikeOvena
    ? spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'ovena-test-holder'], {
        stdio: 'ignore',
      })
    : spawn('sleep', ['600'], { stdio: 'ignore' });
}

function pidOf(child: ChildProcess): number {
  assert.ok(child.pid, 'child process started');
  return child.pid;
}

describe('host lock', () => {
  let stateDir: string;
  let lockFile: string;
  let ovenaLike: ChildProcess;
  let other: ChildProcess;

  before(() => {
    ovenaLike = startProcess(true);
    other = startProcess(false);
  });

  after(() => {
    ovenaLike.kill();
    other.kill();
  });

  const writeLock = (owner: LockOwner) => writeFile(lockFile, JSON.stringify(owner));
  const now = () => new Date().toISOString();

  it('is busy while a live ovena run holds it', async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'lock-'));
    lockFile = path.join(stateDir, 'ovena.lock');
    try {
      assert.equal(isLiveOvena(pidOf(ovenaLike)), true);
      await writeLock({ pid: pidOf(ovenaLike), command: 'backup', startedAt: now() });
      await assert.rejects(acquireHostLock(stateDir, 'backup'), { exitCode: ExitCode.busy });
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('takes over a lock whose pid now belongs to another program', async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'lock-'));
    lockFile = path.join(stateDir, 'ovena.lock');
    try {
      const recycled = { pid: pidOf(other), command: 'backup', startedAt: now() };
      assert.equal(isLiveOvena(recycled.pid), false);
      await writeLock(recycled);
      const lock = await acquireHostLock(stateDir, 'backup');
      assert.deepEqual(lock.stale, recycled);
      assert.equal(JSON.parse(await readFile(lockFile, 'utf8')).pid, process.pid);
      await lock.release();
      assert.deepEqual(await readdir(stateDir), []);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('takes over a lock written before this machine booted', async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'lock-'));
    lockFile = path.join(stateDir, 'ovena.lock');
    try {
      // The pid is a live ovena-looking process, but the lock predates the boot: a power loss.
      const beforeBoot = {
        pid: pidOf(ovenaLike),
        command: 'backup',
        startedAt: '2000-01-01T00:00:00.000Z',
      };
      await writeLock(beforeBoot);
      const lock = await acquireHostLock(stateDir, 'restore');
      assert.deepEqual(lock.stale, beforeBoot);
      await lock.release();
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('never moves aside a live lock another taker wrote after the dead owner was read', async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'lock-'));
    lockFile = path.join(stateDir, 'ovena.lock');
    try {
      await writeLock({ pid: pidOf(other), command: 'backup', startedAt: now() });
      const winner = { pid: pidOf(ovenaLike), command: 'backup', startedAt: now() };
      // The other taker renames the dead lock aside and creates its own between our read and rename.
      const hooks = { beforeTakeover: () => writeLock(winner) };
      await assert.rejects(acquireHostLock(stateDir, 'backup', hooks), {
        exitCode: ExitCode.busy,
        message: new RegExp(`pid ${winner.pid}`),
      });
      assert.deepEqual(JSON.parse(await readFile(lockFile, 'utf8')), winner);
      assert.deepEqual(await readdir(stateDir), ['ovena.lock']);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
