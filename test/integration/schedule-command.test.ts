import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { wrapperName } from '../../source/schedule/schedule.ts';
import { ovena } from '../helpers/stack.ts';

const run = promisify(execFile);

/** What cron would run: `run-parts --test FOLDER` lists the scripts it would execute. */
async function runPartsList(folder: string): Promise<string[]> {
  const { stdout } = await run('run-parts', ['--test', folder]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => path.basename(line));
}

describe('ovena schedule (bin/ovena)', () => {
  let cronDir: string;
  beforeEach(async () => {
    cronDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-cron-'));
    for (const frequency of ['hourly', 'daily', 'weekly'])
      await mkdir(path.join(cronDir, `cron.${frequency}`));
  });
  afterEach(async () => {
    await rm(cronDir, { recursive: true, force: true });
  });

  it('works from the command line, text and JSON', async () => {
    const env = { ...process.env, OVENA_CRON_DIR: cronDir };
    const set = await ovena(['schedule', 'daily'], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Backup schedule: daily \(.*cron\.daily\/ovena-backup\) \(was off\)/);
    const show = await ovena(['schedule', '--json'], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { schedule: string }).schedule, 'daily');
    assert.deepEqual(await runPartsList(path.join(cronDir, 'cron.daily')), [wrapperName]);
    const bad = await ovena(['schedule', 'monthly'], { env });
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /unknown schedule "monthly"/);
    assert.deepEqual(await runPartsList(path.join(cronDir, 'cron.daily')), [wrapperName]);
  });
});
