import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databaseCrashes, ovena, type Stack, startOvena, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { dbShell, generateRows, md5, temporaryFiles, waitMidDump } from './backup-helpers.ts';

describe('ovena backup when the SSH connection drops (SIGHUP, real stack)', () => {
  let stack: Stack;
  let file: string;

  before(async () => {
    stack = await startStack('lk-1', 55950);
    // Enough rows that the dump runs for several seconds.
    await generateRows(stack, 150_000);
    file = path.join(stack.backupDir, 'ovena-db-backup.sql.gz');
    const first = await ovena(['backup'], { env: stack.env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
  });

  after(async () => {
    await stack?.down();
  });

  it('SIGHUP mid-dump: exit 129 after cleanup, previous dump untouched, lock released', async () => {
    const previous = await md5(file);
    const running = startOvena(['backup'], stack.env);
    await waitFor(
      async () => {
        if (running.child.exitCode !== null)
          throw new Error(`ovena exited ${running.child.exitCode}: ${running.output()}`);
        return (await temporaryFiles(stack.backupDir)).length > 0;
      },
      60_000,
      'the temporary dump file',
    );
    // Well into the dump, not at its first bytes.
    await waitMidDump(stack.backupDir, running);
    assert.equal(running.child.exitCode, null, 'still dumping when the connection drops');
    running.child.kill('SIGHUP');
    const { code, signal } = await running.done;
    assert.equal(signal, null, `killed by ${signal} before cleaning up: ${running.output()}`);
    assert.equal(code, 129, running.output());
    assert.match(running.output(), /INTERRUPTED during "Dump and compress/);
    assert.equal(await md5(file), previous);
    assert.deepEqual(await temporaryFiles(stack.backupDir), []);
    await dbShell(stack, '! pgrep -x pg_dump');
    assert.equal(await databaseCrashes(stack), 0, 'PostgreSQL restarted in recovery mode');

    // The lock was released, not left for a takeover.
    const next = await ovena(['backup'], { env: stack.env });
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.doesNotMatch(next.stdout, /died; cleaning up after it/);
  });
});
