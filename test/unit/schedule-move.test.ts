import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  packagedWrapper,
  parseSchedule,
  readSchedule,
  setSchedule,
  wrapperName,
} from '../../source/schedule/schedule.ts';

const run = promisify(execFile);

/** What cron would run: `run-parts --test FOLDER` lists the scripts it would execute. */
async function runPartsList(folder: string): Promise<string[]> {
  const { stdout } = await run('run-parts', ['--test', folder]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => path.basename(line));
}

async function listedEverywhere(cronDir: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const frequency of ['hourly', 'daily', 'weekly']) {
    result[frequency] = await runPartsList(path.join(cronDir, `cron.${frequency}`));
  }
  return result;
}

describe('backup schedule (cron wrapper moves)', () => {
  let cronDir: string;
  beforeEach(async () => {
    cronDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-cron-'));
    for (const frequency of ['hourly', 'daily', 'weekly'])
      await mkdir(path.join(cronDir, `cron.${frequency}`));
  });
  afterEach(async () => {
    await rm(cronDir, { recursive: true, force: true });
  });

  it('ships a wrapper whose name run-parts accepts, executable', async () => {
    assert.ok(!wrapperName.includes('.'));
    assert.equal(path.basename(packagedWrapper), wrapperName);
    assert.ok(((await stat(packagedWrapper)).mode & 0o111) !== 0, 'executable');
  });

  it('is off when no folder holds the wrapper', async () => {
    assert.deepEqual(await readSchedule(cronDir), { schedule: 'off', extra: [] });
    assert.deepEqual(await listedEverywhere(cronDir), { hourly: [], daily: [], weekly: [] });
  });

  it('moves the wrapper hourly → daily → weekly → off, one copy at each step', async () => {
    await setSchedule(cronDir, 'hourly');
    assert.deepEqual(await listedEverywhere(cronDir), {
      hourly: [wrapperName],
      daily: [],
      weekly: [],
    });
    const hourly = await stat(path.join(cronDir, 'cron.hourly', wrapperName));

    const change = await setSchedule(cronDir, 'daily');
    assert.equal(change.before.schedule, 'hourly');
    assert.equal(change.after.schedule, 'daily');
    assert.deepEqual(await listedEverywhere(cronDir), {
      hourly: [],
      daily: [wrapperName],
      weekly: [],
    });
    // A rename, not a copy: the same file moved.
    assert.equal((await stat(path.join(cronDir, 'cron.daily', wrapperName))).ino, hourly.ino);

    await setSchedule(cronDir, 'weekly');
    assert.deepEqual(await listedEverywhere(cronDir), {
      hourly: [],
      daily: [],
      weekly: [wrapperName],
    });

    const off = await setSchedule(cronDir, 'off');
    assert.equal(off.after.schedule, 'off');
    assert.deepEqual(await listedEverywhere(cronDir), { hourly: [], daily: [], weekly: [] });
    for (const frequency of ['hourly', 'daily', 'weekly'])
      assert.deepEqual(await readdir(path.join(cronDir, `cron.${frequency}`)), []);
  });

  it('leaves no second copy behind when one was added by hand', async () => {
    await setSchedule(cronDir, 'hourly');
    await run('cp', [
      path.join(cronDir, 'cron.hourly', wrapperName),
      path.join(cronDir, 'cron.weekly', wrapperName),
    ]);
    assert.equal((await readSchedule(cronDir)).extra.length, 1);
    await setSchedule(cronDir, 'daily');
    assert.deepEqual(await listedEverywhere(cronDir), {
      hourly: [],
      daily: [wrapperName],
      weekly: [],
    });
  });

  it('refuses an unknown schedule', () => {
    assert.throws(() => parseSchedule('monthly'), /use hourly, daily, weekly or off/);
  });
});
