import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  composeCommand,
  createInstance,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';

/** The disaster ovena exists for: the database does not start at all. */
describe('restore when the database will not start', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('rs-broken', 57500);
  });

  after(async () => {
    await stack?.down();
  });

  it('verifies the dump in a one-off container and restores over the broken database', async () => {
    for (const patient of ['B1', 'B2', 'B3']) await createInstance(stack.orthancUrl, patient);
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    await createInstance(stack.orthancUrl, 'B4');

    // Break the database: without pg_control PostgreSQL refuses to start.
    assert.equal((await ovena(['stop'], { env: stack.env })).code, 0);
    await composeCommand(stack, [
      'run',
      '--rm',
      '--no-deps',
      '-T',
      '--entrypoint',
      'rm',
      'db',
      '-f',
      '/var/lib/postgresql/data/global/pg_control',
    ]);
    const broken = await ovena(['start'], { env: stack.env });
    assert.notEqual(broken.code, 0, 'the broken database must not start');

    const restore = await ovena(['--file=ovena-db-backup.sql', 'restore', '--yes', '--start'], {
      env: stack.env,
    });
    const output = restore.stdout + restore.stderr;
    assert.equal(restore.code, 0, output);
    assert.match(
      output,
      /the database does not start .*: reading the dump in a one-off container; no safety dump can be made/,
    );
    assert.match(
      output,
      /skipped Safety dump of the current database: the current database does not start/,
    );
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 3);
  });
});
