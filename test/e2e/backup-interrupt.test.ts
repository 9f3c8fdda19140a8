import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  composeCommand,
  databaseCrashes,
  ovena,
  type Stack,
  startOvena,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { dbShell, generateRows, md5, temporaryFiles, waitMidDump } from './backup-helpers.ts';

/** Enough Orthanc-like rows that a dump runs for several seconds (about 130 MB of SQL). */
const instances = 150_000;

describe('ovena backup when interrupted or contended (real stack)', () => {
  let stack: Stack;
  let file: string;

  before(async () => {
    stack = await startStack('bk-int', 56100);
    await generateRows(stack, instances);
    file = path.join(stack.backupDir, 'ovena-db-backup.sql.gz');
    const first = await ovena(['backup'], { env: stack.env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
  });

  after(async () => {
    await stack?.down();
  });

  /** Starts a backup and waits until pg_dump is writing its temporary file. */
  async function startMidDump() {
    const running = startOvena(['backup'], stack.env);
    try {
      await waitFor(
        async () => {
          // A run that ended before its temporary file showed up can never satisfy the wait.
          if (running.child.exitCode !== null)
            throw new Error(`ovena exited ${running.child.exitCode}`);
          return (await temporaryFiles(stack.backupDir)).length > 0;
        },
        60_000,
        'the temporary dump file',
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; ovena said:\n${running.output()}`);
    }
    // Well into the dump, not at its first bytes.
    await waitMidDump(stack.backupDir, running);
    assert.equal(running.child.exitCode, null, 'still dumping when interrupted');
    return running;
  }

  it('Ctrl-C (SIGINT) mid-dump: exit 130, previous dump byte-identical, no temporary file', async () => {
    const previous = await md5(file);
    const running = await startMidDump();
    running.child.kill('SIGINT');
    const { code } = await running.done;
    assert.equal(code, 130, running.output());
    assert.match(running.output(), /INTERRUPTED during "Dump and compress/);
    assert.match(running.output(), /was not replaced/);
    assert.equal(await md5(file), previous);
    assert.deepEqual(await temporaryFiles(stack.backupDir), []);
    // Parallel gzip's scratch chunks in the container are gone too.
    await dbShell(stack, '! ls -d /tmp/ovena-chunks-* 2>/dev/null');
    // The in-container pipeline was stopped too, without PostgreSQL taking it for a crash.
    await dbShell(stack, '! pgrep -x pg_dump');
    assert.equal(await databaseCrashes(stack), 0, 'PostgreSQL restarted in recovery mode');
    const record = JSON.parse(
      await readFile(path.join(stack.env.OVENA_STATE_DIR ?? '', 'last-backup.json'), 'utf8'),
    ) as { result: string; error: string };
    assert.equal(record.result, 'failed');
    assert.match(record.error, /interrupted/);
  });

  it('kill -9 mid-dump: previous dump byte-identical; the next run cleans up and succeeds', async () => {
    const previous = await md5(file);
    const running = await startMidDump();
    running.child.kill('SIGKILL');
    await running.done;
    assert.equal(await md5(file), previous);
    const locks = await readdir(path.join(stack.env.OVENA_STATE_DIR ?? '', 'locks'));
    assert.ok(
      locks.some((name) => name.startsWith('backup.')),
      `stale lock: ${locks.join(' ')}`,
    );

    const next = await ovena(['backup'], { env: stack.env });
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.match(next.stdout, /a previous backup \(pid \d+, .*\) died; cleaning up after it/);
    assert.deepEqual(await temporaryFiles(stack.backupDir), []);
    await dbShell(stack, '! ls -d /tmp/ovena-chunks-* 2>/dev/null');
    await dbShell(stack, 'gzip -t /mnt/backup/ovena-db-backup.sql.gz');
    await dbShell(stack, '! pgrep -x pg_dump');
    assert.equal(await databaseCrashes(stack), 0, 'PostgreSQL restarted in recovery mode');
  });

  it('two backups started together: one runs, the other exits 75; the file is valid', async () => {
    const first = startOvena(['backup'], stack.env);
    const second = startOvena(['backup'], stack.env);
    const results = [await first.done, await second.done];
    const codes = results.map((result) => result.code).sort();
    assert.deepEqual(codes, [0, 75], first.output() + second.output());
    const loser = results[0]?.code === 75 ? first : second;
    assert.match(
      loser.output(),
      /a backup to \/mnt\/backup\/ovena-db-backup\.sql\.gz is running, pid \d+, since \d\d:\d\d/,
    );
    await dbShell(stack, 'gzip -t /mnt/backup/ovena-db-backup.sql.gz');
    assert.deepEqual(await temporaryFiles(stack.backupDir), []);
  });

  it('database container stopped: a clear error, previous dump intact', async () => {
    const previous = await md5(file);
    await composeCommand(stack, ['stop', 'db']);
    try {
      const result = await ovena(['backup'], { env: stack.env });
      assert.equal(result.code, 69, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        /FAILED at "Check the backup share .*": the db service is not running \(exited\): start it with "ovena start"/,
      );
      assert.equal(await md5(file), previous);
    } finally {
      const start = await ovena(['start'], { env: stack.env });
      assert.equal(start.code, 0, start.stdout + start.stderr);
    }
  });
});
