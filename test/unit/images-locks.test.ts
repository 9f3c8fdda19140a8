import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ExitCode, OvenaError } from '../../source/errors.ts';
import { takeCheckLock, takeReconcileLock } from '../../source/images/reconcile-guard.ts';
import { type LockHolder, locksDir } from '../../source/lock/host-lock.ts';
import type { LockKind } from '../../source/lock/lock-table.ts';
import { processStartTime } from '../../source/lock/process-alive.ts';
import { writeMarker } from '../../source/lock/restore-marker.ts';

/** The images check and reconcile under the host lock table and the restore marker. */
describe('images locks', () => {
  let stateDir: string;
  let other: ChildProcess;

  before(() => {
    other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'ovena-test-holder'], {
      stdio: 'ignore',
    });
  });
  after(() => {
    other.kill();
  });
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'images-lock-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A live holder of `kind` in another process. */
  async function foreignHolder(kind: LockKind): Promise<void> {
    const pid = other.pid;
    assert.ok(pid);
    const procStart = processStartTime(pid);
    const entry: LockHolder = {
      kind,
      pid,
      ...(procStart ? { procStart } : {}),
      startedAt: new Date().toISOString(),
    };
    await mkdir(locksDir(stateDir), { recursive: true });
    await writeFile(
      path.join(locksDir(stateDir), `${kind}.${pid}.x.0.json`),
      JSON.stringify(entry),
    );
  }

  const busy = (error: unknown) => error instanceof OvenaError && error.exitCode === ExitCode.busy;

  it('check and reconcile run beside a backup and leave no lock file behind', async () => {
    await foreignHolder('backup');
    const check = await takeCheckLock(stateDir);
    await check.release();
    const reconcile = await takeReconcileLock(stateDir);
    await reconcile.release();
    assert.deepEqual(
      (await readdir(locksDir(stateDir))).filter((file) => !file.startsWith('backup.')),
      [],
    );
  });

  it('both refuse (75) while a restore runs', async () => {
    await foreignHolder('restore');
    await assert.rejects(takeCheckLock(stateDir), busy);
    await assert.rejects(takeReconcileLock(stateDir), busy);
  });

  it('reconcile refuses while start runs; the check does not', async () => {
    await foreignHolder('start');
    await assert.rejects(takeReconcileLock(stateDir), busy);
    await (await takeCheckLock(stateDir)).release();
  });

  it('both refuse over an unfinished restore and release the lock they took', async () => {
    await writeMarker(stateDir, {
      dump: 'x.sql.gz',
      mode: 'from-scratch',
      phase: 'loading',
      startedAt: new Date().toISOString(),
    });
    await assert.rejects(takeCheckLock(stateDir), /ovena --file=x\.sql\.gz restore/);
    await assert.rejects(takeReconcileLock(stateDir), busy);
    assert.deepEqual(await readdir(locksDir(stateDir)), []);
  });
});
