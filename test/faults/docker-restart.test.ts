/**
 * The Docker daemon restarted during a backup, a restore's load and `ovena start`. Never the shared
 * daemon: the rig starts a private second dockerd for this file (`rig engine2`, own socket, data
 * and exec roots, its own containerd), the stack runs on it (DOCKER_HOST), and the rig restarts
 * it by its own pid.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  composeCommand,
  createInstance,
  orthancStatistics,
  ovena,
  parseExports,
  rig,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { recordProved } from './cases.ts';
import {
  assertDumpsKept,
  assertNoLeftovers,
  assertStartMatchesDatabase,
  containerState,
  snapshotDumps,
} from './invariants.ts';
import { runPausedBefore } from './pause.ts';

const run = promisify(execFile);
const dump = 'ovena-db-backup.sql.gz';
const engineDir = `/tmp/ovena-faults-engine2-s${process.env.OVENA_TEST_STACK_SLOT ?? '0'}`;

async function restartDocker(): Promise<void> {
  await run(rig, ['engine2', 'restart', '--dir', engineDir], { timeout: 180_000 });
}

describe('the Docker daemon restarted (a private second dockerd)', () => {
  let stack: Stack;
  const sharedHost = process.env.DOCKER_HOST;

  before(async () => {
    const { stdout } = await run(rig, ['engine2', 'up', '--dir', engineDir], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const host = parseExports(stdout).DOCKER_HOST;
    assert.ok(host?.startsWith('unix:///tmp/ovena-faults-engine2-'), stdout);
    // This file's process only: every docker call below (the rig, ovena, the checks) goes there.
    process.env.DOCKER_HOST = host;
    stack = await startStack('fx-docker', 63750);
    await createInstance(stack.orthancUrl, 'DOCKER-1');
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
  });

  after(async () => {
    await stack?.down();
    await run(rig, ['engine2', 'down', '--dir', engineDir], { timeout: 180_000 });
    if (sharedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = sharedHost;
  });

  async function startAgain(): Promise<void> {
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stdout + start.stderr);
  }

  it('during a backup', async () => {
    const dumps = await snapshotDumps(stack.backupDir);
    const paused = await runPausedBefore(stack, ['backup'], 'dump');
    await restartDocker();
    await paused.release();
    const result = await paused.done;
    // The engine is back before the dump starts and the containers with it (restart policy): the
    // backup goes on and publishes a complete dump.
    assert.equal(result.code, 0, result.stdout + result.stderr);
    await assertDumpsKept(stack.backupDir, dumps, { replaced: [dump] });
    await startAgain();
    await assertNoLeftovers(stack);
    const again = await ovena(['backup'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await assertDumpsKept(stack.backupDir, dumps, { replaced: [dump] });
    await recordProved('docker-restart/backup');
  });

  it("during a restore's load", async () => {
    await startAgain();
    const inDump = (await orthancStatistics(stack.orthancUrl)).CountInstances;
    await createInstance(stack.orthancUrl, 'DOCKER-2');
    const dumps = await snapshotDumps(stack.backupDir);
    const paused = await runPausedBefore(stack, [`--file=${dump}`, 'restore', '--yes'], 'load');
    await restartDocker();
    // The engine's restart policy must not bring Orthanc back on the emptied database.
    const orthanc = (await composeCommand(stack, ['ps', '-q', 'orthanc'])).trim();
    assert.notEqual(await containerState(orthanc, stack.env), 'running', 'Orthanc came back');
    await paused.release();
    const result = await paused.done;
    // The restart took the fast load's one-off server with it: the restore fails, saying where it
    // stands, and start refuses the half-made database until the same restore completes.
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 1, output);
    assert.match(output, /state: .*run "ovena --file=ovena-db-backup\.sql\.gz restore"/);
    await assertDumpsKept(stack.backupDir, dumps);
    await assertStartMatchesDatabase(stack, { destroyed: true, dump, fastLoad: true });
    const again = await ovena([`--file=${dump}`, 'restore', '--yes'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await assertNoLeftovers(stack);
    await startAgain();
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, inDump);
    await recordProved('docker-restart/restore');
  });

  it('during ovena start', async () => {
    const stop = await ovena(['stop'], { env: stack.env });
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    const paused = await runPausedBefore(stack, ['start'], 'start-orthanc');
    await restartDocker();
    await paused.release();
    const result = await paused.done;
    assert.equal(result.code, 0, result.stdout + result.stderr);
    await assertNoLeftovers(stack);
    await startAgain();
    await recordProved('docker-restart/start');
  });
});
