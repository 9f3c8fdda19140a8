import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dumpToShare } from '../../source/backup/dump-steps.ts';
import { Compose } from '../../source/compose/compose.ts';
import {
  composeCommand,
  createInstance,
  databaseCrashes,
  dbExec,
  instanceIds,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';

const exec = promisify(execFile);

describe('restore on the real stack', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('rs-cycle', 57000);
  });

  after(async () => {
    await stack?.down();
  });

  it('refuses off a terminal without --yes and changes nothing', async () => {
    await createInstance(stack.orthancUrl, 'NOYES');
    const before = await orthancStatistics(stack.orthancUrl);
    const result = await ovena(['--file=whatever.sql', 'restore'], { env: stack.env });
    assert.equal(result.code, 64, result.stderr);
    assert.match(result.stderr, /pass --yes/);
    assert.deepEqual(await orthancStatistics(stack.orthancUrl), before);
  });

  it('full cycle: back up, add instances, restore → counts of backup time, files read back', async () => {
    for (const patient of ['C1', 'C2', 'C3']) await createInstance(stack.orthancUrl, patient);
    const atBackup = await orthancStatistics(stack.orthancUrl);
    const idsAtBackup = await instanceIds(stack.orthancUrl);
    const compose = await Compose.open({
      files: (stack.env.OVENA_COMPOSE_FILE ?? '').split(':'),
      env: stack.env,
    });
    const dumped = await dumpToShare(compose, { fileName: 'cycle.sql' });
    assert.equal(dumped.file, '/mnt/backup/cycle.sql.gz');
    assert.equal(await databaseCrashes(stack), 0, 'PostgreSQL restarted in recovery mode');

    for (const patient of ['LATE1', 'LATE2']) await createInstance(stack.orthancUrl, patient);
    assert.equal(
      (await orthancStatistics(stack.orthancUrl)).CountInstances,
      atBackup.CountInstances + 2,
    );

    const result = await ovena(['--file=cycle.sql', 'restore', '--yes', '--start'], {
      env: stack.env,
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /done\s+Safety dump of the current database .*pre-restore-\d{8}T\d{6}Z\.sql\.gz/,
    );
    // The project name carries the test slot (OVENA_TEST_STACK_SLOT): read it, never spell it.
    const volume = `${stack.env.COMPOSE_PROJECT_NAME ?? ''}_db-data`;
    assert.ok(
      new RegExp(`done\\s+Remove the database volume .*${volume}`).test(result.stdout),
      result.stdout,
    );
    assert.match(result.stdout, /done\s+Load cycle\.sql\.gz/);
    assert.match(result.stdout, /Orthanc schema version 6/);
    assert.match(result.stdout, /all \d+ sampled instance files read back/);

    const restored = await orthancStatistics(stack.orthancUrl);
    assert.equal(restored.CountInstances, atBackup.CountInstances);
    assert.equal(restored.CountStudies, atBackup.CountStudies);
    assert.equal(restored.CountPatients, atBackup.CountPatients);
    const ids = await instanceIds(stack.orthancUrl);
    assert.deepEqual([...ids].sort(), [...idsAtBackup].sort());
    for (const id of ids) {
      const file = await fetch(`${stack.orthancUrl}/instances/${id}/file`);
      assert.equal(file.status, 200, `instance ${id} file`);
      assert.ok((await file.arrayBuffer()).byteLength > 100);
    }
    // The safety dump holds the database as it was just before the restore (with LATE1/LATE2).
    const listing = await ovena(['list', '--json'], { env: stack.env });
    const names = (JSON.parse(listing.stdout) as Array<{ name: string }>).map((d) => d.name);
    const safety = names.find((name) => name.startsWith('pre-restore-'));
    assert.ok(safety, names.join(','));
    const text = await dbExec(stack, `gunzip -c /mnt/backup/${safety} | grep -c LATE || true`);
    assert.ok(Number(text.trim()) >= 2, 'safety dump holds the instances added after the backup');
  });

  it('restores a dump made by hand (pg_dump | gzip in the container), plain .sql too', async () => {
    await dbExec(stack, 'pg_dump -U orthanc orthanc | gzip > /mnt/backup/by-hand.sql.gz');
    await dbExec(stack, 'pg_dump -U orthanc orthanc > /mnt/backup/plain.sql');
    const atDump = await orthancStatistics(stack.orthancUrl);
    await createInstance(stack.orthancUrl, 'AFTERHAND');

    const gz = await ovena(
      ['restore', '--file=by-hand.sql.gz', '--yes', '--no-safety-dump', '--start'],
      {
        env: stack.env,
      },
    );
    assert.equal(gz.code, 0, gz.stdout + gz.stderr);
    assert.match(gz.stdout, /skipped Safety dump of the current database: --no-safety-dump/);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, atDump.CountInstances);

    await createInstance(stack.orthancUrl, 'AFTERHAND2');
    const plain = await ovena(
      ['--file=plain.sql', 'restore', '--yes', '--no-safety-dump', '--no-start'],
      {
        env: stack.env,
      },
    );
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.match(plain.stdout, /Load plain\.sql/);
    assert.match(plain.stdout, /Orthanc is left stopped: .*ovena start/);
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stdout + start.stderr);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, atDump.CountInstances);
  });

  it('refuses bad dumps in preflight, leaving Orthanc as it was', async () => {
    await createInstance(stack.orthancUrl, 'BADDUMPS');
    const dir = stack.backupDir;
    const good = path.join(dir, 'by-hand.sql.gz');
    const { stdout: size } = await exec('stat', ['-c', '%s', good]);
    await exec('sh', [
      '-c',
      `head -c ${Math.floor(Number(size) / 2)} "$0" > "$1"`,
      good,
      path.join(dir, 'truncated.sql.gz'),
    ]);
    await exec('sh', [
      '-c',
      'gunzip -c "$0" | head -n 40 | gzip > "$1"',
      good,
      path.join(dir, 'cut-sql.sql.gz'),
    ]);
    await exec('sh', ['-c', 'head -c 20000 /dev/urandom > "$0"', path.join(dir, 'random.sql.gz')]);
    await writeFile(path.join(dir, 'empty.sql.gz'), '');
    await exec('sh', [
      '-c',
      'echo "hello, not a dump" | gzip > "$0"',
      path.join(dir, 'text.sql.gz'),
    ]);

    const cases: Array<[string, RegExp, number]> = [
      ['truncated.sql.gz', /not a complete compressed stream/, 65],
      ['cut-sql.sql.gz', /no completion comment/, 65],
      ['random.sql.gz', /not a complete compressed stream|pg_dump's header/, 65],
      ['empty.sql.gz', /is empty/, 65],
      ['text.sql.gz', /pg_dump's header/, 65],
      ['missing.sql', /not found in \/mnt\/backup/, 66],
    ];
    const before = await orthancStatistics(stack.orthancUrl);
    const containers = await composeCommand(stack, ['ps', '-q']);
    for (const [name, message, code] of cases) {
      const result = await ovena([`--file=${name}`, 'restore', '--yes'], { env: stack.env });
      assert.equal(result.code, code, `${name}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message, name);
      assert.doesNotMatch(result.stdout, /Stop Orthanc/, name);
      assert.deepEqual(await orthancStatistics(stack.orthancUrl), before, name);
    }
    assert.equal(await composeCommand(stack, ['ps', '-q']), containers, 'same containers');
  });
});
