import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const session = 'cf-tmux';

async function screen(): Promise<string> {
  return (await run('tmux', ['capture-pane', '-p', '-t', session])).stdout;
}
async function keys(...names: string[]): Promise<void> {
  await run('tmux', ['send-keys', '-t', session, ...names]);
  await new Promise((resolve) => setTimeout(resolve, 150));
}

describe('ovena cifs on a real terminal (tmux, 80x30): first-time setup', () => {
  let folder: string;
  let file: string;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'cf-tmux-'));
    file = path.join(folder, 'docker-compose.yml');
    await copyFile(new URL('../fixtures/cifs/01-template.yml', import.meta.url), file);
  });
  after(async () => {
    await run('tmux', ['kill-session', '-t', session]).catch(() => {});
    await rm(folder, { recursive: true, force: true });
  });

  it('walks through both shares; Cancel writes nothing, Save writes only the typed password', async () => {
    const original = await readFile(file, 'utf8');
    const command = terminalCommand(
      { OVENA_COMPOSE_FILE: file, OVENA_STATE_DIR: `${folder}/state` },
      ['cifs'],
      60,
    );
    await run('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '30', command]);
    await waitFor(async () => (await screen()).includes('(share 1 of 2)'), 20_000, 'first form');
    await keys('Escape');
    await waitFor(async () => (await screen()).includes('(share 2 of 2)'), 10_000, 'second form');
    assert.match(await screen(), /Share images: cancelled, nothing written/);
    assert.equal(await readFile(file, 'utf8'), original);

    await keys('Down', 'Down', 'Down');
    await run('tmux', ['send-keys', '-t', session, '-l', 'Tm,ux$9']);
    await waitFor(async () => (await screen()).includes('•••••••• (new)'), 5000, 'masked password');
    assert.ok(!(await screen()).includes('Tm,ux'));
    await keys('Down', 'Down', 'Down', 'Enter');
    await waitFor(async () => (await screen()).includes('[y/N]'), 20_000, 'recreate offer');
    const shown = await screen();
    assert.match(shown, /Share backup: saved \(password\)/);
    assert.ok(!shown.includes('Tm,ux'));
    await keys('n');
    await waitFor(async () => (await screen()).includes('ovena cifs apply backup'), 5000, 'advice');
    const after = await readFile(file, 'utf8');
    assert.equal(
      after,
      original.replace(
        /(orthanc-backup"\n\s+o: "addr=nas\.example\.org,username=CHANGE-ME,password=)CHANGE-ME/,
        '$1Tm,,ux$$$$9',
      ),
    );
    assert.notEqual(after, original);
    assert.equal(await readFile(`${file}.bak`, 'utf8'), original);
  });
});
