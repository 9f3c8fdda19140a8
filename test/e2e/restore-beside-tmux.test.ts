import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  composeCommand,
  createInstance,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

/*
 * Issue 18 on a real terminal: the restore screen's confirmation offers beside (preselected on a
 * healthy database) and from scratch; beside runs the beside job with live steps to the switch.
 */

const run = promisify(execFile);
const slot = process.env.OVENA_TEST_STACK_SLOT ?? '0';
const dump = 'ovena-db-backup.sql.gz';

/** The pane as one string, Ink's wrapped lines joined by a space (a sentence is one line). */
async function screen(session: string): Promise<string> {
  const { stdout } = await run('tmux', ['capture-pane', '-p', '-J', '-t', session]);
  return stdout;
}

const flat = (text: string) => text.replace(/\s+/g, ' ');

async function keys(session: string, ...args: string[]): Promise<void> {
  await run('tmux', ['send-keys', '-t', session, ...args]);
}

async function open(session: string, env: NodeJS.ProcessEnv): Promise<void> {
  await run('tmux', [
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '80',
    '-y',
    '24',
    terminalCommand(env, ['restore']),
  ]);
}

/** Waits for `text` on the pane; a timeout shows the pane. */
async function see(session: string, text: string | RegExp, ms: number, what: string) {
  await waitFor(
    async () => {
      const pane = await screen(session);
      return typeof text === 'string' ? pane.includes(text) : text.test(flat(pane));
    },
    ms,
    what,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\n${await screen(session)}`);
  });
}

describe('restore beside from the restore screen (tmux 80x24)', () => {
  let stack: Stack;
  const sessions = [`bs-tmux-disk-${slot}`, `bs-tmux-run-${slot}`];

  before(async () => {
    stack = await startStack('bs-tmux', 60100);
    for (const patient of ['BT1', 'BT2']) await createInstance(stack.orthancUrl, patient);
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    await createInstance(stack.orthancUrl, 'BT3');
  });

  after(async () => {
    for (const session of sessions)
      await run('tmux', ['kill-session', '-t', session]).catch(() => {});
    await stack?.down();
  });

  it('disk too small: beside is shown, not selectable, with the numbers; from scratch stays', async () => {
    const session = sessions[0] as string;
    await open(session, { ...stack.env, OVENA_TEST_BESIDE_FREE_BYTES: '1000000' });
    await see(session, dump, 60_000, 'the picker');
    await keys(session, '-l', 'ovena-db');
    await keys(session, 'Enter');
    await see(session, 'beside (not possible)', 60_000, 'the choice');
    const pane = flat(await screen(session));
    assert.match(pane, /› from scratch \(recommended\)/);
    assert.match(pane, /Beside: it needs about .+ in the database volume, 1(\.0)? MB free/);
    assert.match(pane, /Type the dump's name ovena-db-backup\.sql\.gz/);
    await keys(session, 'Tab');
    await keys(session, '-l', 'x');
    await see(session, '> x', 10_000, 'typed');
    // Tab did not move to beside: still the from-scratch confirmation.
    assert.match(flat(await screen(session)), /Restore will DESTROY.*› from scratch/);
    await keys(session, 'Escape');
    await see(session, 'Restore: pick a dump', 10_000, 'back');
    await keys(session, 'Escape');
    await see(session, /EXIT=0/, 10_000, 'exit');
  });

  it('picks a dump, chooses beside (preselected), types yes, sees the switch and the outcome', async () => {
    const session = sessions[1] as string;
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 3);
    await open(session, stack.env);
    await see(session, dump, 60_000, 'the picker');
    await keys(session, '-l', 'ovena-db');
    await keys(session, 'Enter');
    await see(session, '› beside (recommended)', 60_000, 'the choice');
    const confirm = flat(await screen(session));
    assert.match(confirm, /Restore beside: the current database is kept/);
    assert.match(confirm, /no downtime until a switch of seconds; the current database is kept as/);
    assert.doesNotMatch(confirm, /Will destroy/);
    await keys(session, '-l', 'yes');
    await see(session, '> yes', 10_000, 'typed');
    await keys(session, 'Enter');
    await see(session, /Load ovena-db-backup\.sql\.gz \(Orthanc keeps running\)/, 30_000, 'steps');
    await see(session, /EXIT=\d+/, 240_000, 'the end');
    const done = flat(await screen(session));
    assert.match(done, /EXIT=0/);
    assert.match(done, /✔ Check the new database/);
    assert.match(done, /✔ Switch: stop Orthanc, rename both databases, start Orthanc/);
    assert.match(done, /database restored beside from ovena-db-backup\.sql\.gz \(2 instances/);
    const downtime = /downtime (\d+\.\d) s/.exec(done);
    assert.ok(downtime, done);
    assert.ok(Number(downtime[1]) < 15, `downtime ${downtime[1]} s`);
    const kept = /the previous database is kept as (\S+_before_\d{8}T\d{6}Z)/.exec(done)?.[1];
    assert.ok(kept, done);
    const names = await composeCommand(stack, [
      'exec',
      '-T',
      'db',
      'sh',
      '-c',
      'psql -X -A -t -U "$POSTGRES_USER" -d postgres -c "SELECT datname FROM pg_database"',
    ]);
    assert.ok(names.split('\n').includes(kept), `${kept} exists: ${names}`);
    // Orthanc answers, on the dump's counts.
    const system = await fetch(`${stack.orthancUrl}/system`);
    assert.equal(system.status, 200);
    await system.arrayBuffer();
    const counts = await orthancStatistics(stack.orthancUrl);
    assert.equal(counts.CountInstances, 2);
    assert.equal(counts.CountPatients, 2);
  });
});
