/**
 * Corrupted state files on one stack: last-backup.json, the restore marker, a lock file and
 * ovena.yml truncated or turned to garbage. Status, check and the home screen keep working and
 * name the broken file; a broken marker blocks start, never unblocks it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { markerPath } from '../../source/lock/restore-marker.ts';
import { createInstance, ovena, type Stack, startStack } from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { recordProved } from './cases.ts';
import { assertDumpsKept, assertNoLeftovers, assertOutcome, snapshotDumps } from './invariants.ts';

const run = promisify(execFile);
const dump = 'ovena-db-backup.sql.gz';

describe('corrupted state files', () => {
  let stack: Stack;
  let stateDir = '';
  const sessions: string[] = [];

  /** The home screen in tmux (a real terminal): its first screen, once drawn. */
  async function homeScreen(): Promise<string> {
    const session = `fx-state-${process.pid}-${sessions.length}`;
    sessions.push(session);
    await run('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '220',
      '-y',
      '40',
      terminalCommand(stack.env, []),
    ]);
    let screen = '';
    await waitFor(
      async () => {
        screen = (await run('tmux', ['capture-pane', '-p', '-t', session])).stdout;
        return (/Last backup/.test(screen) && /Quit/.test(screen)) || /EXIT=/.test(screen);
      },
      60_000,
      'the home screen',
    );
    await run('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    return screen;
  }

  before(async () => {
    stack = await startStack('fx-state', 63700);
    stateDir = stack.env.OVENA_STATE_DIR ?? '';
    await createInstance(stack.orthancUrl, 'STATE-1');
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
  });

  after(async () => {
    for (const session of sessions)
      await run('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    await stack?.down();
  });

  it('last-backup.json garbage or truncated: named by status, check and the home screen; the next backup rewrites it', async () => {
    const file = path.join(stateDir, 'last-backup.json');
    const good = await readFile(file, 'utf8');
    for (const broken of ['garbage\u0000\u0001', good.slice(0, 20)]) {
      await writeFile(file, broken);
      const named = `the last-backup record ${file} cannot be read (not JSON)`;
      const status = await ovena(['status'], { env: stack.env });
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.ok(status.stdout.includes(`Backup    ${named}`), status.stdout);
      assert.doesNotMatch(status.stdout, /none recorded on this host\n/);
      const check = await ovena(['check'], { env: stack.env });
      assertOutcome(check, 2, new RegExp(`^CRITICAL: ${named.replace(/[()]/g, '\\$&')}`));
      assert.match(await homeScreen(), /Last backup +the last-backup record .*cannot be read/);
    }
    const dumps = await snapshotDumps(stack.backupDir);
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    await assertDumpsKept(stack.backupDir, dumps, { replaced: [dump] });
    assert.equal((await ovena(['check'], { env: stack.env })).code, 0);
    await assertNoLeftovers(stack);
    await recordProved('state-garbage/last-backup');
  });

  it('the restore marker garbage or truncated: start refuses naming it; removed, start works', async () => {
    const file = markerPath(stateDir);
    for (const broken of ['{"dump": "ovena-db-backup.sql.gz", "phase": "load', 'garbage']) {
      await writeFile(file, broken);
      const start = await ovena(['start'], { env: stack.env });
      assertOutcome(
        start,
        75,
        new RegExp(`the restore marker ${file} cannot be read \\(not a restore marker\\)`),
      );
      const backup = await ovena(['backup'], { env: stack.env });
      assertOutcome(backup, 75, /the restore marker .* cannot be read/);
      const status = await ovena(['status'], { env: stack.env });
      assert.ok(status.stdout.includes(`RESTORE   the restore marker ${file}`), status.stdout);
      const check = await ovena(['check'], { env: stack.env });
      assert.equal(check.code, 2, check.stdout);
      assert.match(await homeScreen(), /restore/i);
    }
    await rm(file);
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stdout + start.stderr);
    await recordProved('state-garbage/restore-marker');
  });

  it('a lock file garbage: a backup goes on, a restore refuses naming it; removed, the restore runs', async () => {
    const file = path.join(stateDir, 'locks', 'broken.json');
    await writeFile(file, '{"pid": 12');
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const restore = await ovena([`--file=${dump}`, 'restore', '--yes'], { env: stack.env });
    assertOutcome(
      restore,
      75,
      new RegExp(`lock file ${file} cannot be read: remove it if no ovena runs`),
    );
    const status = await ovena(['status'], { env: stack.env });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, new RegExp(`^LOCK +the lock file ${file} cannot be read`, 'm'));
    const check = await ovena(['check'], { env: stack.env });
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.ok(check.stdout.includes(`the lock file ${file} cannot be read`), check.stdout);
    await rm(file);
    const again = await ovena([`--file=${dump}`, 'restore', '--yes', '--start'], {
      env: stack.env,
    });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await assertNoLeftovers(stack);
    await recordProved('state-garbage/lock-file');
  });

  it('ovena.yml garbage or truncated: status, check and the home screen name it', async () => {
    const file = path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml');
    for (const broken of ['retention: [\n  bad: : :\n', 'maxBackupAge: "2']) {
      await writeFile(file, broken);
      const status = await ovena(['status'], { env: stack.env });
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.ok(status.stdout.includes(`settings file ${file}`), status.stdout);
      const check = await ovena(['check'], { env: stack.env });
      assert.ok(check.code === 1 || check.code === 2, check.stdout);
      assert.ok(check.stdout.includes(`settings file ${file}`), check.stdout);
      const screen = await homeScreen();
      assert.doesNotMatch(screen, /EXIT=78/);
      assert.match(screen, /Quit/);
      assert.match(screen, /ovena\.yml/);
    }
    await rm(file);
    assert.equal((await ovena(['check'], { env: stack.env })).code, 0);
    await recordProved('state-garbage/ovena-yml');
  });

  it('clock skew: a dump dated in the future; list, the restore plan, status and check show nothing negative', async () => {
    const future = path.join(stack.backupDir, 'future.sql.gz');
    await copyFile(path.join(stack.backupDir, dump), future);
    await run('touch', ['-d', '+3 days', future]);
    const list = await ovena(['list'], { env: stack.env });
    assert.equal(list.code, 0, list.stdout + list.stderr);
    // Never "0s" (it would pass for the newest dump): the skew is named.
    assert.match(list.stdout, /^future\.sql\.gz .* 2d 23h ahead of this clock$/m);
    const plan = await ovena(['--file=future.sql.gz', 'restore', '--dry-run'], { env: stack.env });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /future\.sql\.gz, .*\(2d 23h ahead of this clock\)/);
    const status = await ovena(['status'], { env: stack.env });
    const check = await ovena(['check'], { env: stack.env });
    for (const output of [list.stdout, plan.stdout, status.stdout, check.stdout])
      assert.doesNotMatch(output, /(^|\s)-\d|NaN|Invalid/, output);
    assert.equal(check.code, 0, check.stdout);
    await rm(future);
    await recordProved('clock-skew/dumps');
  });

  it('hostile: a compose file readable by others warns, naming chmod 600; the command still runs', async () => {
    const file = (stack.env.OVENA_COMPOSE_FILE ?? '').split(':')[0] ?? '';
    await chmod(file, 0o644);
    try {
      const status = await ovena(['status'], { env: stack.env });
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.ok(
        status.stderr.includes(
          `warning: the compose file ${file} is readable by others (mode 644) and holds passwords: run "chmod 600 ${file}"`,
        ),
        status.stderr,
      );
    } finally {
      await chmod(file, 0o600);
    }
    const again = await ovena(['status'], { env: stack.env });
    assert.doesNotMatch(again.stderr, /readable by others/);
    await recordProved('hostile/compose-readable');
  });

  it('hostile: a symlink in place of the state directory is refused (77), named', async () => {
    const link = path.join(path.dirname(stateDir), 'state-link');
    await symlink(stateDir, link);
    try {
      for (const command of [['status'], ['backup'], ['start']]) {
        const result = await ovena(command, { env: { ...stack.env, OVENA_STATE_DIR: link } });
        assertOutcome(result, 77, new RegExp(`the state directory ${link} is a symlink`));
      }
    } finally {
      await rm(link);
    }
    await recordProved('hostile/state-symlink');
  });

  it('hostile: a world-writable state directory is refused (77), naming chmod 700', async () => {
    await chmod(stateDir, 0o777);
    try {
      for (const command of [['status'], ['backup']]) {
        const result = await ovena(command, { env: stack.env });
        assertOutcome(
          result,
          77,
          new RegExp(
            `the state directory ${stateDir} is writable by every user \\(mode 777\\).*chmod 700`,
          ),
        );
      }
    } finally {
      await chmod(stateDir, 0o700);
    }
    assert.equal((await ovena(['status'], { env: stack.env })).code, 0);
    await recordProved('hostile/state-world-writable');
  });
});
