import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  composeCommand,
  createInstance,
  docker,
  orthancStatistics,
  ovenaBin,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const session = 'rs-tmux-restore';

async function screen(): Promise<string> {
  return (await run('tmux', ['capture-pane', '-p', '-t', session])).stdout;
}

async function keys(...args: string[]): Promise<void> {
  await run('tmux', ['send-keys', '-t', session, ...args]);
}

describe('restore in a real terminal (tmux 80x24)', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('rs-tmux', 57200);
  });

  after(async () => {
    await run('tmux', ['kill-session', '-t', session]).catch(() => {});
    await stack?.down();
  });

  it('picks, confirms by name, shows the steps, asks to start, gives the verdict', async () => {
    await createInstance(stack.orthancUrl, 'T1');
    await createInstance(stack.orthancUrl, 'T2');
    const id = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
    await docker([
      'exec',
      id,
      'sh',
      '-c',
      'pg_dump -U orthanc orthanc | gzip > /mnt/backup/tmux-a.sql.gz',
    ]);
    await docker([
      'exec',
      id,
      'sh',
      '-c',
      'pg_dump -U orthanc orthanc | gzip > /mnt/backup/other.sql.gz',
    ]);
    await createInstance(stack.orthancUrl, 'T3');

    const exports = Object.entries(stack.env)
      .filter(([key]) => key.startsWith('OVENA_') || key === 'COMPOSE_PROJECT_NAME')
      .map(([key, value]) => `${key}='${value}'`)
      .join(' ');
    await run('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '80',
      '-y',
      '24',
      `env -u CI ${exports} ${process.execPath} ${ovenaBin} restore --no-safety-dump; echo "EXIT=$?"; sleep 600`,
    ]);
    await waitFor(async () => (await screen()).includes('tmux-a.sql.gz'), 60_000, 'the picker');
    assert.match(await screen(), /Restore: pick a dump/);
    await keys('-l', 'tmux');
    await waitFor(async () => !(await screen()).includes('other.sql.gz'), 5000, 'filter');
    await keys('Enter');
    // Issue 18: the healthy database preselects beside; Tab chooses from scratch.
    await waitFor(
      async () => (await screen()).includes('› beside (recommended)'),
      60_000,
      'choice',
    );
    await keys('Tab');
    await waitFor(async () => (await screen()).includes("Type the dump's name"), 10_000, 'confirm');
    const confirm = await screen();
    // The stack's name carries the test slot (OVENA_TEST_STACK_SLOT), e.g. rs-tmux-s1.
    const volume = `ovena-rig-${stack.name}_db-data`;
    assert.ok(confirm.includes(`Will destroy the database volume ${volume}`), confirm);
    assert.match(confirm, /Orthanc now +3 patients, 3 studies, 3 instances/);
    assert.match(confirm, /Safety dump +none: --no-safety-dump was given/);

    await keys('-l', 'tmux-a.sql.gz');
    await keys('Enter');
    await waitFor(
      async () => /Stop Orthanc and the database/.test(await screen()),
      30_000,
      'progress',
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await screen()}`);
    });
    await waitFor(async () => (await screen()).includes('Start Orthanc now?'), 180_000, 'question');
    const done = await screen();
    assert.match(done, new RegExp(`✔ Remove the database volume .*${volume}`));
    assert.match(done, /✔ Load tmux-a\.sql\.gz/);
    // The last step finishes as the question replaces the job view: it must still be written.
    assert.match(done, /✔ Check the loaded database .*Orthanc schema version/);
    assert.match(done, /database restored from tmux-a\.sql\.gz \(2 instances in the index\)/);
    await keys('y');
    // T3's file is newer than the dump: the images check finds it and the flow offers to reconcile.
    await waitFor(
      async () => (await screen()).includes('Check and reconcile image files now?'),
      180_000,
      'the reconcile offer',
    );
    const final = await screen();
    assert.match(final, /✔ Compare the index with the files on the images share/);
    assert.match(final, /Image files: 2 match, 1 orphans/);
    await keys('Enter');
    await waitFor(async () => (await screen()).includes('EXIT='), 60_000, 'exit');
    assert.match(final, /✔ Wait until Orthanc answers/);
    assert.match(final, /✔ Read a sample of instance files/);
    assert.match(
      final,
      /Orthanc: 2 patients, 2 studies, 2 instances; all 2 sampled instance files/,
    );
    assert.match(await screen(), /EXIT=0/);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 2);
  });
});
