/**
 * The backup share full (a small tmpfs mounted as the rig's backup folder), read-only and gone
 * (its mount removed inside the db container), before and during a backup, and full during a
 * restore's safety dump; on one stack.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markerPath } from '../../source/lock/restore-marker.ts';
import {
  createInstance,
  docker,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { recordProved } from './cases.ts';
import {
  assertDumpsKept,
  assertNoLeftovers,
  assertOutcome,
  assertStartMatchesDatabase,
  dbContainer,
  exists,
  host,
  snapshotDumps,
} from './invariants.ts';
import { runPausedBefore } from './pause.ts';

const dump = 'ovena-db-backup.sql.gz';

describe('the backup share full, read-only or gone', () => {
  let stack: Stack;
  let share = '';
  let saved = '';

  /** Fills the tmpfs to the last byte (the fault); removing the ballast ends it. */
  async function fillShare(): Promise<void> {
    await host(`dd if=/dev/zero of=${share}/.ballast bs=64k 2>/dev/null || true`);
  }
  async function emptyShare(): Promise<void> {
    await rm(path.join(share, '.ballast'), { force: true });
  }
  /** The share as the db container sees it: its mount taken away (the NAS gone). */
  async function unmountInContainer(): Promise<void> {
    const pid = (
      await docker(['inspect', '-f', '{{.State.Pid}}', await dbContainer(stack)], stack.env)
    ).trim();
    await host(`nsenter -t ${pid} -m -r umount /mnt/backup`);
  }
  /** The share back: the database restarted mounts its volume again. */
  async function restartDatabase(): Promise<void> {
    const stop = await ovena(['stop'], { env: stack.env });
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stdout + start.stderr);
  }
  async function backupCompletes(): Promise<void> {
    const before = await snapshotDumps(stack.backupDir);
    const again = await ovena(['backup'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await assertDumpsKept(stack.backupDir, before, { replaced: [dump] });
  }

  before(async () => {
    stack = await startStack('fx-share', 63650);
    share = stack.backupDir;
    await createInstance(stack.orthancUrl, 'SHARE-1');
    // The share is a 2 MB tmpfs, mounted while the services are stopped (their volume mounts it).
    const stop = await ovena(['stop'], { env: stack.env });
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    saved = await mkdtemp(path.join(os.tmpdir(), 'fx-share-'));
    await host(`mount -t tmpfs -o size=2m,mode=0755 ovena-fx-share ${share}`);
    await restartDatabase();
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
  });

  after(async () => {
    if (stack) {
      await ovena(['stop'], { env: stack.env });
      await host(`umount -l ${share} || true`);
      await stack.down();
    }
    if (saved) await rm(saved, { recursive: true, force: true });
  });

  it('full during a backup', async () => {
    const dumps = await snapshotDumps(share);
    const paused = await runPausedBefore(stack, ['backup'], 'dump');
    await fillShare();
    await paused.release();
    const result = await paused.done;
    assertOutcome(
      result,
      1,
      /FAILED at "Dump and compress[^"]*": gzip could not write the dump to the backup share \/mnt\/backup \(cat: write error: No space left on device\): the backup share is full/,
    );
    await emptyShare();
    await assertDumpsKept(share, dumps);
    await assertNoLeftovers(stack);
    await backupCompletes();
    await recordProved('share-full/backup');
  });

  it("full during a restore's safety dump: the restore stops before destroying anything", async () => {
    await createInstance(stack.orthancUrl, 'SHARE-2');
    const current = (await orthancStatistics(stack.orthancUrl)).CountInstances;
    const dumps = await snapshotDumps(share);
    const paused = await runPausedBefore(
      stack,
      [`--file=${dump}`, 'restore', '--yes'],
      'safety-dump',
    );
    await fillShare();
    await paused.release();
    const result = await paused.done;
    assertOutcome(
      result,
      1,
      /FAILED at "Safety dump of the current database": .*No space left on device\): the backup share is full/,
    );
    assert.match(result.stdout, /state: nothing was changed: the database was not stopped/);
    await emptyShare();
    await assertDumpsKept(share, dumps);
    await assertNoLeftovers(stack);
    assert.ok(!exists(markerPath(stack.env.OVENA_STATE_DIR ?? '')), 'no restore marker');
    await assertStartMatchesDatabase(stack, { destroyed: false, instances: current });
    const again = await ovena([`--file=${dump}`, 'restore', '--yes', '--start'], {
      env: stack.env,
    });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await recordProved('share-full/restore-safety-dump');
  });

  it('read-only before a backup', async () => {
    const dumps = await snapshotDumps(share);
    await host(`mount -o remount,ro ${share}`);
    const result = await ovena(['backup'], { env: stack.env });
    await host(`mount -o remount,rw ${share}`);
    assertOutcome(result, 77, /\/mnt\/backup in the db container is not writable/);
    await assertDumpsKept(share, dumps);
    await assertNoLeftovers(stack);
    await backupCompletes();
    await recordProved('share-read-only/backup-before');
  });

  it('read-only during a backup', async () => {
    const dumps = await snapshotDumps(share);
    const paused = await runPausedBefore(stack, ['backup'], 'dump');
    await host(`mount -o remount,ro ${share}`);
    await paused.release();
    const result = await paused.done;
    await host(`mount -o remount,rw ${share}`);
    assertOutcome(
      result,
      1,
      /FAILED at "Dump and compress[^"]*": gzip could not write the dump to the backup share \/mnt\/backup/,
    );
    await assertDumpsKept(share, dumps);
    await assertNoLeftovers(stack);
    await backupCompletes();
    await recordProved('share-read-only/backup-during');
  });

  it('gone before a backup', async () => {
    const dumps = await snapshotDumps(share);
    await unmountInContainer();
    const result = await ovena(['backup'], { env: stack.env });
    assertOutcome(result, 69, /\/mnt\/backup in the db container is not a mount point/);
    await assertDumpsKept(share, dumps);
    await restartDatabase();
    await assertNoLeftovers(stack);
    await backupCompletes();
    await recordProved('share-gone/backup-before');
  });

  it('gone during a backup', async () => {
    const dumps = await snapshotDumps(share);
    const paused = await runPausedBefore(stack, ['backup'], 'dump');
    await unmountInContainer();
    await paused.release();
    const result = await paused.done;
    // Found by this case: the dump went into the container's own folder and was "published" there.
    assertOutcome(
      result,
      69,
      /FAILED at "Publish as [^"]*": \/mnt\/backup in the db container stopped being a mount point during the dump: the backup share went away, so nothing was published/,
    );
    await assertDumpsKept(share, dumps);
    await restartDatabase();
    await assertNoLeftovers(stack);
    await backupCompletes();
    await recordProved('share-gone/backup-during');
  });
});
