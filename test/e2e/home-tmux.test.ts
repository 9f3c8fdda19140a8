import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ovenaBin, type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);

async function tmux(args: string[]): Promise<string> {
  const { stdout } = await run('tmux', args, { timeout: 20_000 });
  return stdout;
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** The real binary on a real terminal of a fixed size, as an operator over SSH sees it. */
describe('home screen in tmux (real binary, real stack)', () => {
  let stack: Stack;
  const sessions: string[] = [];

  before(async () => {
    stack = await startStack('hm-tmux', 59100);
  });

  after(async () => {
    for (const session of sessions) await tmux(['kill-session', '-t', session]).catch(() => '');
    await stack?.down();
  });

  for (const [columns, rows] of [
    [80, 24],
    [60, 20],
  ] as const) {
    it(`opens home at ${columns}x${rows}, moves through the menu, runs Start services, quits`, async () => {
      const session = `hm-tmux-${columns}x${rows}-${process.pid}`;
      sessions.push(session);
      const keys = [
        'OVENA_COMPOSE_FILE',
        'COMPOSE_PROJECT_NAME',
        'OVENA_STATE_DIR',
        'OVENA_CONFIG_DIR',
        'OVENA_CRON_DIR',
      ];
      const assignments = keys.map((key) => `${key}=${quote(stack.env[key] ?? '')}`).join(' ');
      // CI=true changes how Ink draws; an operator's terminal has no CI variable.
      const command = `env -u CI TERM=xterm-256color ${assignments} ${quote(process.execPath)} ${quote(ovenaBin)}; echo EXIT=$?; sleep 60`;
      await tmux([
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        String(columns),
        '-y',
        String(rows),
        command,
      ]);
      const screen = () => tmux(['capture-pane', '-p', '-t', session]);
      const waitScreen = async (pattern: RegExp, what: string, timeoutMs = 30_000) => {
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
      const send = (...names: string[]) => tmux(['send-keys', '-t', session, ...names]);

      const home = await waitScreen(/db\s+running\s+healthy/, 'home with the status');
      assert.match(home, /ovena · Orthanc archive · (OK|WARNING)/);
      assert.match(home, /Last backup\s+none recorded yet/);
      assert.match(home, /› Back up now/);
      assert.match(home, /↑↓ move · Enter open/);
      const lines = home.split('\n');
      for (const line of lines) assert.ok(line.length <= columns, `fits ${columns}: "${line}"`);
      // Nothing scrolled away: the title is on the first line.
      assert.match(lines[0] ?? '', /^ovena · Orthanc archive/);

      await send('Down');
      await waitScreen(/› Restore…/, 'cursor on Restore');
      await send('Enter');
      await waitScreen(/From a shell: ovena restore/, 'restore placeholder');
      await send('Escape');
      await waitScreen(/› Restore…/, 'home again');

      await send('Down', 'Down');
      await waitScreen(/› Start services/, 'cursor on Start services');
      await send('Enter');
      const done = await waitScreen(/Enter or Esc: back to home/, 'start job finished', 120_000);
      assert.match(done, /✔ Wait until Orthanc answers/);
      assert.match(done, /Done in/);
      await send('Enter');
      const back = await waitScreen(/Start services: done/, 'home after the task');
      assert.match(back.split('\n')[0] ?? '', /^ovena · Orthanc archive/, 'task log cleared');
      assert.ok(!back.includes('Wait until Orthanc answers'), 'task log cleared');

      await send('q');
      const exited = await waitScreen(/EXIT=0/, 'exit');
      assert.ok(!exited.includes('Back up now'), 'the alternate screen is left on exit');
      await tmux(['kill-session', '-t', session]);
    });
  }
});
