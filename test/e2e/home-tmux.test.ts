import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Stack, startStack } from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);

async function tmux(args: string[]): Promise<string> {
  const { stdout } = await run('tmux', args, { timeout: 20_000 });
  return stdout;
}

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
    it(`opens home at ${columns}x${rows}, backs up, opens and leaves restore, runs Start services, quits`, async () => {
      const session = `hm-tmux-${columns}x${rows}-${process.pid}`;
      sessions.push(session);
      const command = terminalCommand(stack.env, [], 60);
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
      // The first size runs before any backup, the second after the first one's.
      assert.match(home, /Last backup\s+(none recorded yet|\d+[sm] ago)/);
      assert.match(home, /› Back up now/);
      assert.match(home, /↑↓ move · Enter open/);
      const lines = home.split('\n');
      for (const line of lines) assert.ok(line.length <= columns, `fits ${columns}: "${line}"`);
      // Nothing scrolled away: the title is on the first line.
      assert.match(lines[0] ?? '', /^ovena · Orthanc archive/);

      // A resize redraws home to the new width with no leftovers of the old frame.
      if (columns === 80) {
        await tmux(['resize-window', '-t', session, '-x', '60', '-y', '20']);
        const narrow = await waitScreen(/refreshes every few sec…/, 'home redrawn at 60 columns');
        for (const line of narrow.split('\n')) assert.ok(line.length <= 60, `fits 60: "${line}"`);
        assert.equal(narrow.match(/ovena · Orthanc archive/g)?.length, 1, narrow);
        await tmux(['resize-window', '-t', session, '-x', '80', '-y', '24']);
        const wide = await waitScreen(/refreshes every few seconds/, 'home redrawn at 80 columns');
        assert.equal(wide.match(/ovena · Orthanc archive/g)?.length, 1, wide);
        assert.equal(wide.match(/› Back up now/g)?.length, 1, wide);
      }

      // Back up now runs the real backup command, then returns home with its result.
      await send('Enter');
      const backedUp = await waitScreen(
        /Press any key to return to the home screen/,
        'backup finished',
        120_000,
      );
      assert.match(backedUp, /✔ Publish as \/mnt\/backup\/ovena-db-backup\.sql\.gz/);
      await send('x');
      await waitScreen(/Back up now: done/, 'home after the backup');
      await waitScreen(/Last backup\s+\d+s ago · .* · ok/, 'the new backup in the header');

      await send('Down');
      await waitScreen(/› Restore…/, 'cursor on Restore');
      await send('Enter');
      await waitScreen(/Restore: pick a dump from the backup share/, 'restore picker');
      assert.match(await screen(), /ovena-db-backup\.sql\.gz/);
      await send('Escape');
      await waitScreen(/Press any key to return to the home screen/, 'restore left');
      await send('x');
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
