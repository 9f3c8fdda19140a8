import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  databaseCrashes,
  dbExec,
  orthancStatistics,
  ovena,
  type Stack,
  startOvena,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('restore interrupted during the load', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('rs-interrupt', 57100);
  });

  after(async () => {
    await stack?.down();
  });

  it('says where things stand after SIGINT, and a second restore completes', async () => {
    // A dump whose load takes several seconds: Orthanc's tables plus a ballast table.
    await dbExec(
      stack,
      // The index makes the load's tail slow (a sort of 3M strings), whatever the disk's speed.
      'psql -q -U orthanc orthanc -c "CREATE TABLE ballast AS SELECT g, md5(g::text) AS h FROM generate_series(1, 3000000) g" -c "CREATE INDEX ballast_h ON ballast (h, g)"',
    );
    await dbExec(stack, 'pg_dump -U orthanc orthanc | gzip -1 > /mnt/backup/big.sql.gz');
    const atDump = await orthancStatistics(stack.orthancUrl);

    const running = startOvena(
      // The plain load through the db service (the fast load's kill -9 is in restore-fast).
      ['--file=big.sql', 'restore', '--yes', '--no-safety-dump', '--no-fast-load'],
      stack.env,
    );
    await waitFor(
      () => /start\s+Load big\.sql\.gz/.test(running.output()),
      120_000,
      'the load step',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; output so far:\n${running.output()}`);
    });
    // Interrupt while psql is loading inside the container, not after a fixed delay.
    await waitFor(
      async () => /psql -X -q/.test(await dbExec(stack, 'ps -eo args 2>/dev/null || true')),
      60_000,
      'psql loading in the container',
    );
    running.child.kill('SIGINT');
    const { code, stdout, stderr } = await running.done;
    assert.equal(code, 130, stdout + stderr);
    assert.match(stdout, /STOPPED Load big\.sql\.gz/);
    assert.match(stdout, /INTERRUPTED during "Load big\.sql\.gz"/);
    assert.match(
      stdout,
      /state: Orthanc stopped, database running but only partly loaded .*no safety dump was made; run "ovena --file=big\.sql\.gz restore"/,
    );
    // No psql left loading inside the container.
    const processes = await dbExec(stack, 'ps -eo args 2>/dev/null || ls /proc');
    assert.doesNotMatch(processes, /psql -X -q -v ON_ERROR_STOP/);
    assert.equal(await databaseCrashes(stack), 0, 'PostgreSQL restarted in recovery mode');

    const again = await ovena(['--file=big.sql.gz', 'restore', '--yes', '--start'], {
      env: stack.env,
    });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(
      again.stdout,
      /skipped Safety dump .*an earlier restore of big\.sql\.gz did not finish/,
    );
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, atDump.CountInstances);
    const rows = await dbExec(
      stack,
      'psql -A -t -U orthanc orthanc -c "SELECT count(*) FROM ballast"',
    );
    assert.equal(rows.trim(), '3000000');
  });
});
