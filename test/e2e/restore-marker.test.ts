import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markerPath, writeMarker } from '../../source/lock/restore-marker.ts';
import {
  composeCommand,
  createInstance,
  docker,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';

const dumpName = 'ovena-db-backup.sql.gz';

async function orthancState(stack: Stack): Promise<string> {
  const id = (await composeCommand(stack, ['ps', '-q', 'orthanc'])).trim();
  if (id === '') return 'none';
  return (await docker(['inspect', '-f', '{{.State.Status}}', id])).trim();
}

describe('the restore marker on the real stack', () => {
  let stack: Stack;
  let stateDir: string;
  let dumpFile: string;
  let goodDump: Buffer;

  before(async () => {
    stack = await startStack('mk-1', 55900);
    stateDir = stack.env.OVENA_STATE_DIR ?? '';
    dumpFile = path.join(stack.backupDir, dumpName);
    await createInstance(stack.orthancUrl, 'MARKER-1');
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    goodDump = await readFile(dumpFile);
  });

  after(async () => {
    await stack?.down();
  });

  it('ignores a marker of a restore that stopped before destroying anything, and makes the safety dump', async () => {
    // As left by a restore whose "stop" step failed: the operator ran "ovena start" since.
    await writeMarker(stateDir, {
      dump: dumpName,
      mode: 'from-scratch',
      phase: 'stopping',
      startedAt: '2025-01-01T00:00:00.000Z',
    });
    const status = JSON.parse((await ovena(['status', '--json'], { env: stack.env })).stdout) as {
      unfinishedRestore: unknown;
    };
    assert.equal(status.unfinishedRestore, null);

    const result = await ovena([`--file=${dumpName}`, 'restore', '--yes'], { env: stack.env });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 0, output);
    assert.match(output, /preflight: ignoring the marker of an earlier restore of ovena-db-backup/);
    assert.match(
      output,
      /done\s+Safety dump of the current database .*: pre-restore-\d+T\d+Z\.sql/,
    );
    assert.ok(
      (await readdir(stack.backupDir)).some((name) => /^pre-restore-.*\.sql\.gz$/.test(name)),
    );
    assert.ok(!existsSync(markerPath(stateDir)), 'the finished restore removed the marker');
  });

  it('a marker of a restore that destroyed the database blocks backup and start, and shows in status and check', async () => {
    // As after a failed load: Orthanc stopped (whatever the test above left).
    await composeCommand(stack, ['stop', 'orthanc']);
    await writeMarker(stateDir, {
      dump: dumpName,
      mode: 'from-scratch',
      phase: 'loading',
      startedAt: '2025-01-01T00:00:00.000Z',
    });
    const expected = `a restore of ${dumpName} did not finish and the database is only partly loaded: complete it with "ovena --file=${dumpName} restore" before backing up`;

    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 75, backup.stdout + backup.stderr);
    assert.ok((backup.stdout + backup.stderr).includes(expected), backup.stdout + backup.stderr);
    assert.ok((await readFile(dumpFile)).equals(goodDump), 'the good dump is byte-identical');

    const json = JSON.parse((await ovena(['status', '--json'], { env: stack.env })).stdout) as {
      unfinishedRestore: { dump: string; command: string } | null;
      lastBackup: { result: string; error?: string };
    };
    assert.equal(json.unfinishedRestore?.dump, dumpName);
    assert.equal(json.unfinishedRestore?.command, `ovena --file=${dumpName} restore`);
    assert.equal(json.lastBackup.result, 'failed', 'the refused backup held the lock: recorded');
    const text = await ovena(['status'], { env: stack.env });
    assert.match(text.stdout, /^RESTORE\s+a restore of ovena-db-backup\.sql\.gz did not finish/m);

    const check = await ovena(['check'], { env: stack.env });
    assert.equal(check.code, 2, check.stdout + check.stderr);
    assert.match(check.stdout, /restore of ovena-db-backup\.sql\.gz did not finish/);

    const start = await ovena(['start'], { env: stack.env });
    const startOutput = start.stdout + start.stderr;
    assert.equal(start.code, 75, startOutput);
    assert.ok(
      startOutput.includes(
        `a restore of ${dumpName} did not finish and the database is only partly loaded: complete it with "ovena --file=${dumpName} restore" before starting Orthanc`,
      ),
      startOutput,
    );
    assert.equal(await orthancState(stack), 'exited', 'Orthanc was not started');
  });
});
