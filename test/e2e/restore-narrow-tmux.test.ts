import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  composeCommand,
  createInstance,
  docker,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const session = `rs-narrow-${process.env.OVENA_TEST_STACK_SLOT ?? '0'}`;
const width = 60;
const height = 20;

/** The pane with wrapped lines joined (-J): a line wider than the terminal shows as one line. */
async function screen(): Promise<string[]> {
  const { stdout } = await run('tmux', ['capture-pane', '-p', '-J', '-t', session]);
  return stdout.split('\n').map((line) => line.trimEnd());
}

async function keys(...args: string[]): Promise<void> {
  await run('tmux', ['send-keys', '-t', session, ...args]);
}

function assertFits(lines: string[]) {
  for (const line of lines) {
    assert.ok([...line].length <= width, `wider than ${width}: "${line}"\n${lines.join('\n')}`);
  }
}

describe(`restore picker and confirmation in a real terminal (tmux ${width}x${height})`, () => {
  let stack: Stack;
  let db: string;

  /** Processes in the db container whose command line names `text` (the check's reader). */
  async function readers(text: string): Promise<number> {
    const out = await docker([
      'exec',
      db,
      'sh',
      '-c',
      'ps -eo args | grep -F -- "$1" | grep -vc grep || true',
      'ps',
      text,
    ]);
    return Number(out.trim());
  }

  before(async () => {
    stack = await startStack('rs-narrow', 62150);
    await createInstance(stack.orthancUrl, 'N1');
    db = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
    // Real dumps under short and long names, of different ages; and one whose check takes seconds
    // (a header, then 3 GB of comment lines: 300 copies of one small gzip member).
    await docker([
      'exec',
      db,
      'sh',
      '-c',
      [
        'cd /mnt/backup',
        'pg_dump -U orthanc orthanc | gzip > narrow-a.sql.gz',
        'cp narrow-a.sql.gz pre-restore-20261126T221503Z-with-a-long-tail.sql.gz',
        'cp narrow-a.sql.gz old.sql.gz',
        "touch -d '5 hours ago' pre-restore-20261126T221503Z-with-a-long-tail.sql.gz",
        "touch -d '3 days ago' old.sql.gz",
        "yes -- '-- filler for a slow check' | head -c 10000000 | gzip -1 > /tmp/filler.gz",
        "{ echo '-- PostgreSQL database dump' | gzip -1; for i in $(seq 300); do cat /tmp/filler.gz; done; } > slow.sql.gz",
      ].join(' && '),
    ]);
  });

  after(async () => {
    await run('tmux', ['kill-session', '-t', session]).catch(() => {});
    await stack?.down();
  });

  it('picker: no line wider than 60, the age on every row; Esc aborts the dump check in the container; confirmation fits', async () => {
    await run('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      String(width),
      '-y',
      String(height),
      terminalCommand(stack.env, ['restore', '--no-safety-dump']),
    ]);
    await waitFor(
      async () => (await screen()).join('\n').includes('old.sql.gz'),
      60_000,
      'the picker',
    );
    const picker = await screen();
    assertFits(picker);
    const rows = picker.filter((line) => /^[› ] +[\d.]+ [kMG]?B /.test(line));
    assert.equal(rows.length, 4, picker.join('\n'));
    for (const row of rows) {
      assert.match(row, /^[› ] +[\d.]+ [kMG]?B \d+[smhd]( \d+[smh])? ago +\S/, row);
      assert.doesNotMatch(row, /\d{4}-\d\d-\d\d \d\d:\d\d/, 'no absolute time at 60 columns');
    }
    // The long name is cut to what remains, never the age.
    assert.ok(
      rows.some((row) => /5h 0m ago +pre-restore-20261126T221503Z-with-a-lo…$/.test(row)),
      picker.join('\n'),
    );
    assert.ok(
      rows.some((row) => /3d 0h ago +old\.sql\.gz$/.test(row)),
      picker.join('\n'),
    );

    // Esc during the check of a dump that takes seconds to read: its reader is killed in the
    // container, not left running in the background.
    await keys('-l', 'slow');
    await waitFor(async () => !(await screen()).join('\n').includes('old.sql.gz'), 5000, 'filter');
    await keys('Enter');
    await waitFor(
      async () => (await readers('slow.sql.gz')) > 0,
      30_000,
      'the check reading the dump',
    );
    assert.match((await screen()).join('\n'), /Checking slow\.sql\.gz/);
    await keys('Escape');
    await waitFor(
      async () => (await screen()).join('\n').includes('Restore: pick a dump'),
      10_000,
      'back at the picker',
    );
    await waitFor(
      async () => (await readers('slow.sql.gz')) === 0,
      10_000,
      'no reader left in the container',
    );

    // One key at a time: keys that arrive together reach the screen as one input.
    for (const left of ['slo', 'sl', 's', '']) {
      await keys('BSpace');
      await waitFor(
        async () =>
          (await screen()).some(
            (line) =>
              line.trimEnd() === `Filter: ${left}` ||
              (left === '' && line.startsWith('Filter: (type')),
          ),
        5000,
        `filter "${left}"`,
      );
    }
    await waitFor(
      async () => (await screen()).join('\n').includes('old.sql.gz'),
      5000,
      'no filter',
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${(await screen()).join('\n')}`);
    });
    await keys('-l', 'narrow-a');
    await waitFor(
      async () => !(await screen()).join('\n').includes('old.sql.gz'),
      5000,
      'filter',
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${(await screen()).join('\n')}`);
    });
    await keys('Enter');
    // Issue 18: the healthy database preselects beside; Tab chooses from scratch.
    await waitFor(
      async () => (await screen()).join('\n').includes('› beside (recommended)'),
      60_000,
      'the choice',
    );
    assertFits(await screen());
    await keys('Tab');
    await waitFor(
      async () => (await screen()).join('\n').includes("Type the dump's name"),
      10_000,
      'the confirmation',
    );
    const confirm = await screen();
    assertFits(confirm);
    const text = confirm.join('\n');
    assert.match(text, /Will load {4}narrow-a\.sql\.gz, [\d.]+ [kM]?B,/);
    assert.match(text, /Will destroy the database volume/);
    assert.match(text, /Orthanc now +1 patients/);
    // Every wrapped line of a value starts in the value column, under it.
    const title = confirm.findIndex((line) => line.includes('Restore will DESTROY'));
    // The whole confirmation, the choice of mode included, fits the 20 rows: the title shows.
    assert.ok(title >= 0, text);
    assert.match(text, / {2}beside \(recommended\) {3}› from scratch/);
    const valueLines = confirm.slice(title + 1, confirm.indexOf('', title));
    assert.ok(valueLines.length >= 4, text);
    for (const line of valueLines) assert.match(line, /^(\S.{11} |\s{13})\S/, line);
    await keys('Escape');
    await waitFor(
      async () => (await screen()).join('\n').includes('Restore: pick a dump'),
      10_000,
      'back',
    );
    await keys('Escape');
    await waitFor(async () => (await screen()).join('\n').includes('EXIT='), 10_000, 'exit');
    assert.match((await screen()).join('\n'), /EXIT=0/);
  });
});
