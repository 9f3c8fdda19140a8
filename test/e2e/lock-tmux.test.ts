import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ovena, type Stack, startStack } from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);

const signals = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;

async function tmux(args: string[]): Promise<string> {
  const { stdout } = await run('tmux', args, { timeout: 20_000 });
  return stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A session running the real binary at 80x24; `pid` is ovena's own (a child of the pane's shell). */
async function open(session: string, command: string) {
  await tmux(['new-session', '-d', '-s', session, '-x', '80', '-y', '24', command]);
  const screen = () => tmux(['capture-pane', '-p', '-t', session]);
  const waitScreen = async (pattern: RegExp, what: string, timeoutMs = 60_000) => {
    let last = '';
    try {
      await waitFor(
        async () => {
          last = await screen();
          return pattern.test(last);
        },
        timeoutMs,
        what,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; screen:\n${last}`);
    }
    return last;
  };
  const pid = async (): Promise<number> => {
    const shell = (await tmux(['display-message', '-p', '-t', session, '#{pane_pid}'])).trim();
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', shell]);
    const found = stdout
      .split('\n')
      .map((line) => Number(line.trim()))
      .find((value) => value > 0);
    assert.ok(found, `ovena runs in ${session}`);
    return found;
  };
  return { screen, waitScreen, pid };
}

describe('the lock and the signals on a real terminal (tmux)', () => {
  let stack: Stack;
  const sessions: string[] = [];

  before(async () => {
    stack = await startStack('lk-2', 61050);
  });

  after(async () => {
    for (const session of sessions) await tmux(['kill-session', '-t', session]).catch(() => '');
    await stack?.down();
  });

  it('with the restore picker open, ovena backup from another shell exits 0', async () => {
    const first = await ovena(['backup'], { env: stack.env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const session = `lk-picker-${process.pid}`;
    sessions.push(session);
    const term = await open(session, terminalCommand(stack.env, ['restore'], 60));
    await term.waitScreen(/Restore: pick a dump from the backup share/, 'the picker');
    await term.waitScreen(/ovena-db-backup\.sql\.gz/, 'the dump listed');
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    await tmux(['send-keys', '-t', session, 'Escape']);
    await term.waitScreen(/EXIT=0/, 'the picker left');
  });

  for (const [signal, code] of signals) {
    it(`${signal} to the home screen exits ${code} and leaves nothing behind`, async () => {
      const session = `lk-home-${signal}-${process.pid}`;
      sessions.push(session);
      const term = await open(session, terminalCommand(stack.env, [], 60));
      await term.waitScreen(/db\s+running\s+healthy/, 'home with the status');
      const pid = await term.pid();
      process.kill(pid, signal);
      const shown = await term.waitScreen(/EXIT=\d+/, 'exit');
      assert.match(shown, new RegExp(`EXIT=${code}`));
      assert.ok(!shown.includes('Back up now'), 'the alternate screen is left');
      assert.equal(alive(pid), false);
      assert.deepEqual(
        await readdir(path.join(stack.env.OVENA_STATE_DIR ?? '', 'locks')).catch(() => []),
        [],
      );
    });
  }

  it('SIGINT, SIGTERM and SIGHUP at a cifs prompt exit 130, 143, 129 and write nothing', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'lk-cifs-'));
    try {
      const file = path.join(folder, 'docker-compose.yml');
      await copyFile(new URL('../fixtures/cifs/01-template.yml', import.meta.url), file);
      const original = await readFile(file, 'utf8');
      for (const [signal, code] of signals) {
        const session = `lk-cifs-${signal}-${process.pid}`;
        sessions.push(session);
        const env = { OVENA_COMPOSE_FILE: file, OVENA_STATE_DIR: `${folder}/state` };
        const term = await open(session, terminalCommand(env, ['cifs'], 60));
        await term.waitScreen(/\(share 1 of 2\)/, 'the first form');
        const pid = await term.pid();
        process.kill(pid, signal);
        const shown = await term.waitScreen(/EXIT=\d+/, 'exit');
        assert.match(shown, new RegExp(`EXIT=${code}`));
        assert.match(shown, new RegExp(`interrupted \\(${signal}\\) at a question`));
        assert.equal(alive(pid), false);
        assert.equal(await readFile(file, 'utf8'), original);
        const left = (await readdir(folder)).filter((name) => name !== 'state');
        assert.deepEqual(left, ['docker-compose.yml'], 'no temporary or backup file');
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
