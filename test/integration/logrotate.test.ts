import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { logrotatePath, packagedLogrotate } from '../../source/schedule/logrotate.ts';
import { ovena } from '../helpers/stack.ts';

const run = promisify(execFile);

describe('log rotation of the cron wrapper (docker/logrotate/ovena)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-logrotate-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('"ovena schedule daily" installs the rule with the wrapper; logrotate -d accepts it', async () => {
    const cronDir = path.join(dir, 'etc');
    const set = await ovena(['schedule', 'daily'], {
      env: { ...process.env, OVENA_CRON_DIR: cronDir },
    });
    assert.equal(set.code, 0, set.stdout + set.stderr);
    const installed = logrotatePath(cronDir);
    assert.equal(await readFile(installed, 'utf8'), await readFile(packagedLogrotate, 'utf8'));
    assert.equal((await stat(installed)).mode & 0o777, 0o644);
    // logrotate (provisioned by docker/test/rig) reads it without an error.
    const { stdout, stderr } = await run('logrotate', [
      '-d',
      '-s',
      path.join(dir, 'status'),
      installed,
    ]);
    const output = stdout + stderr;
    assert.doesNotMatch(output, /error/i, output);
    assert.match(
      output,
      /rotating pattern: \/var\/log\/ovena-backup\.log .*weekly \(8 rotations\)/,
    );
  });

  it('rotates a log by copy and truncate: the file stays (the wrapper appends to it), 8 kept', async () => {
    const log = path.join(dir, 'ovena-backup.log');
    await writeFile(log, 'backup run 1\n');
    const rule = (await readFile(packagedLogrotate, 'utf8'))
      .replace('/var/log/ovena-backup.log /var/log/ovena-drill.log', log)
      .replace(/\tsu root root\n/, '');
    const conf = path.join(dir, 'rule');
    await writeFile(conf, rule, { mode: 0o644 });
    await run('logrotate', ['-f', '-s', path.join(dir, 'status'), conf]);
    assert.equal(await readFile(log, 'utf8'), '', 'the live log was truncated in place');
    assert.equal(await readFile(`${log}.1`, 'utf8'), 'backup run 1\n');
  });
});
