import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  composeCommand,
  docker,
  orthancStatistics,
  ovenaBin,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const session = `images-tmux-${process.env.OVENA_TEST_STACK_SLOT ?? '0'}`;
const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';

async function screen(): Promise<string> {
  return (await run('tmux', ['capture-pane', '-p', '-J', '-t', session])).stdout;
}

async function keys(...args: string[]): Promise<void> {
  await run('tmux', ['send-keys', '-t', session, ...args]);
}

async function createImage(url: string, patientId: string): Promise<void> {
  const response = await fetch(`${url}/tools/create-dicom`, {
    method: 'POST',
    body: JSON.stringify({
      Tags: { PatientID: patientId, PatientName: `IMG^${patientId}` },
      Content: png,
    }),
  });
  assert.equal(response.status, 200);
  await response.arrayBuffer();
}

describe('the end of a restore in a real terminal (tmux 80x24) offers to reconcile the images', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('images-tmux', 63550);
  });

  after(async () => {
    await run('tmux', ['kill-session', '-t', session]).catch(() => {});
    await stack?.down();
  });

  it('shows the counts, reconciles on "y", and Orthanc then has every instance', async () => {
    await createImage(stack.orthancUrl, 'A1');
    await createImage(stack.orthancUrl, 'A2');
    const id = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
    await docker([
      'exec',
      id,
      'sh',
      '-c',
      'pg_dump -U orthanc orthanc | gzip > /mnt/backup/img.sql.gz',
    ]);
    await createImage(stack.orthancUrl, 'LATE');

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
      `env -u CI ${exports} ${process.execPath} ${ovenaBin} --file=img.sql.gz restore --no-safety-dump --start; echo "EXIT=$?"; sleep 600`,
    ]);
    // Issue 18: the healthy database preselects beside; Tab chooses from scratch.
    await waitFor(
      async () => (await screen()).includes('› beside (recommended)'),
      120_000,
      'the choice',
    );
    await keys('Tab');
    await waitFor(async () => (await screen()).includes("Type the dump's name"), 10_000, 'confirm');
    await keys('-l', 'img.sql.gz');
    await keys('Enter');
    await waitFor(
      async () => (await screen()).includes('Check and reconcile image files now?'),
      300_000,
      'the reconcile offer',
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await screen()}`);
    });
    const offer = await screen();
    assert.match(offer, /✔ Compare the index with the files on the images share/);
    assert.match(offer, /Image files: 2 match, 1 orphans \(files newer than the dump\), 0 missing/);
    await keys('y', 'Enter');
    await waitFor(async () => (await screen()).includes('EXIT='), 180_000, 'exit').catch(
      async (error: Error) => {
        throw new Error(`${error.message}\n${await screen()}`);
      },
    );
    const final = await screen();
    assert.match(final, /re-ingested .*: Success/);
    assert.match(final, /Reconciled: 1 re-ingested, 1 moved to .*ovena-orphans-/);
    assert.match(final, /now 3 match, 0 orphans, 0 missing/);
    assert.match(final, /EXIT=0/);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 3);
  });
});
