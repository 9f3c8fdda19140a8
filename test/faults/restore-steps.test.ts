/**
 * Faults at each restore step, on one stack: ovena SIGKILLed as the step begins, and the db
 * container killed (`docker kill`) during the step; and the db container killed during a backup.
 * Before each case the archive holds one instance more than the dump, so "the database before"
 * and "the dump loaded" can be told apart.
 */
import assert from 'node:assert/strict';
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
import { waitFor } from '../helpers/wait-for.ts';
import { recordProved } from './cases.ts';
import {
  assertDumpsKept,
  assertNoLeftovers,
  assertOutcome,
  assertStartMatchesDatabase,
  containerState,
  dbContainer,
  exists,
  snapshotDumps,
} from './invariants.ts';
import { runPausedBefore } from './pause.ts';

const dump = 'ovena-db-backup.sql.gz';
const restoreArgs = [`--file=${dump}`, 'restore', '--yes'];
/** The db container is the server only in the plain load: the db-kill series runs that one. */
const plainArgs = [...restoreArgs, '--no-fast-load'];
/** The steps after which the database is no longer the original one (the marker blocks start). */
const destroying = new Set(['start-db', 'load', 'post-data', 'analyze', 'durable', 'check']);
/** Before these, the marker says a fast load (durability off) was interrupted. */
const fastMarked = new Set(['post-data', 'analyze', 'durable', 'check']);
/** Killed before these, the fast load's one-off server is left to the next restore. */
const serverRunning = new Set(['load', 'post-data', 'analyze', 'durable']);
const fastSteps = [
  'safety-dump',
  'stop',
  'remove-volume',
  'start-db',
  'load',
  'post-data',
  'analyze',
  'durable',
  'check',
];

describe('faults at each restore step', () => {
  let stack: Stack;
  let inDump = 0;
  let patient = 0;

  /** One more instance than the dump holds: the database before differs from the dump. */
  async function divergeFromDump(): Promise<number> {
    await createInstance(stack.orthancUrl, `FX-EXTRA-${++patient}`);
    return (await orthancStatistics(stack.orthancUrl)).CountInstances;
  }

  /** The next run of the same restore completes; Orthanc started again on the dump's content. */
  async function restoreCompletes(): Promise<void> {
    const again = await ovena(restoreArgs, { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.ok(!exists(markerPath(stack.env.OVENA_STATE_DIR ?? '')), 'the marker was removed');
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stdout + start.stderr);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, inDump);
  }

  before(async () => {
    stack = await startStack('fx-restore', 63600);
    await createInstance(stack.orthancUrl, 'FX-1');
    await createInstance(stack.orthancUrl, 'FX-2');
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    inDump = (await orthancStatistics(stack.orthancUrl)).CountInstances;
  });

  after(async () => {
    await stack?.down();
  });

  // In turn, each kill on what the kill before left (as an operator would find it), then the
  // same restore completes: that run proves "the next run succeeds" for every step of the series.
  it('ovena SIGKILLed as each restore step begins, in turn; then the same restore completes', async () => {
    const current = await divergeFromDump();
    for (const step of fastSteps) {
      const dumps = await snapshotDumps(stack.backupDir);
      const paused = await runPausedBefore(stack, restoreArgs, step);
      paused.child.kill('SIGKILL');
      const killed = await paused.done;
      assert.equal(killed.signal, 'SIGKILL', step);
      await assertDumpsKept(stack.backupDir, dumps);
      await assertNoLeftovers(stack, { loadServerMayRemain: serverRunning.has(step) });
      await assertStartMatchesDatabase(
        stack,
        destroying.has(step)
          ? { destroyed: true, dump, fastLoad: fastMarked.has(step) }
          : { destroyed: false, instances: current },
      );
    }
    await restoreCompletes();
    await assertNoLeftovers(stack);
    for (const step of fastSteps) await recordProved(`kill-ovena/restore-${step}`);
  });

  /** Kills the db container of the stack (it must be running) behind ovena's back. */
  async function killDb(): Promise<void> {
    const id = await dbContainer(stack);
    assert.equal(await containerState(id, stack.env), 'running');
    await docker(['kill', id], stack.env);
  }

  it('db container killed during a backup', async () => {
    await divergeFromDump();
    const dumps = await snapshotDumps(stack.backupDir);
    const paused = await runPausedBefore(stack, ['backup'], 'dump');
    await killDb();
    await paused.release();
    const result = await paused.done;
    assertOutcome(
      result,
      69,
      /FAILED at "Dump and compress.*": the db service is not running \(exited\): start it with "ovena start"/,
    );
    await assertDumpsKept(stack.backupDir, dumps);
    await assertNoLeftovers(stack);
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stdout + start.stderr);
    const again = await ovena(['backup'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await assertDumpsKept(stack.backupDir, dumps, { replaced: [dump] });
    await recordProved('kill-db/backup');
    // The dump of the next cases is the one just made.
    inDump = (await orthancStatistics(stack.orthancUrl)).CountInstances;
  });

  it('db container killed during each restore step it runs in, in turn; then the same restore completes', async () => {
    const current = await divergeFromDump();
    for (const step of ['safety-dump', 'start-db', 'load', 'check']) {
      const dumps = await snapshotDumps(stack.backupDir);
      const paused = await runPausedBefore(stack, plainArgs, step);
      if (step === 'start-db') {
        // Killed once the step has started it, while the step waits for it to be healthy.
        await paused.release();
        await waitFor(
          async () => (await containerState(await dbContainer(stack), stack.env)) === 'running',
          60_000,
          'the fresh database running',
        );
        await killDb();
      } else {
        await killDb();
        await paused.release();
      }
      const result = await paused.done;
      const output = result.stdout + result.stderr;
      // 69: the database is not there; the state line says where the restore stands.
      assert.equal(result.code, 69, output);
      assert.match(
        output,
        /FAILED at "[^"]+": the db (service is not running|container is exited)/,
      );
      // Found by this case: after the volume is gone, the advice is the restore, never "ovena start".
      if (destroying.has(step)) assert.doesNotMatch(output, /start it with "ovena start"/);
      // Found by CI: killed early in start-db, the volume kept half an initdb, on which PostgreSQL
      // restarts itself forever (health "starting" for minutes). After the earlier kill, the
      // database is not the original: preflight never starts it.
      if (step === 'load' || step === 'check')
        assert.match(output, /the database is not the original .* is exited: not starting it/);
      assert.match(output, /state: .*run "ovena --file=ovena-db-backup\.sql\.gz restore"/);
      await assertDumpsKept(stack.backupDir, dumps);
      await assertNoLeftovers(stack);
      await assertStartMatchesDatabase(
        stack,
        destroying.has(step) ? { destroyed: true, dump } : { destroyed: false, instances: current },
      );
    }
    await restoreCompletes();
    await assertNoLeftovers(stack);
    for (const step of ['safety-dump', 'start-db', 'load', 'check'])
      await recordProved(`kill-db/restore-${step}`);
  });
});
