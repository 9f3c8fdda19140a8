import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  composeCommand,
  createInstance,
  docker,
  orthancStatistics,
  ovena,
  type Stack,
  startOvena,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const exec = promisify(execFile);

/** The live db container's identity: a drill must never restart or replace it. */
async function liveDb(stack: Stack): Promise<string> {
  const id = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
  return (await docker(['inspect', '-f', '{{.Id}} {{.State.StartedAt}}', id])).trim();
}

/** Containers and volumes a drill run (by its pid) labelled. */
async function labelled(pid: number | undefined): Promise<string[]> {
  const filter = `label=ovena.drill.pid=${pid}`;
  const containers = await docker(['ps', '-a', '-q', '--filter', filter]);
  const volumes = await docker(['volume', 'ls', '-q', '--filter', filter]);
  return `${containers}\n${volumes}`.split('\n').filter(Boolean);
}

async function statsKey(url: string): Promise<string> {
  const { CountPatients, CountStudies, CountInstances } = await orthancStatistics(url);
  return `${CountPatients}/${CountStudies}/${CountInstances}`;
}

describe('restore drill and restore --dry-run on the real stack', () => {
  let stack: Stack;
  let goodDump: Buffer;

  before(async () => {
    stack = await startStack('drill', 63000);
    for (const patient of ['D1', 'D2', 'D3']) await createInstance(stack.orthancUrl, patient);
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    goodDump = await readFile(path.join(stack.backupDir, 'ovena-db-backup.sql.gz'));
  });

  after(async () => {
    await stack?.down();
  });

  it('a drill of a fresh backup passes with the counts of backup time; the live system is untouched', async () => {
    const atBackup = await orthancStatistics(stack.orthancUrl);
    const live = await liveDb(stack);
    const counts = await statsKey(stack.orthancUrl);
    const run = startOvena(['drill'], stack.env);
    let samples = 0;
    let finished = false;
    void run.done.then(() => {
      finished = true;
    });
    // While it runs: the same live container (id, start time) and the same Orthanc counts.
    while (!finished) {
      assert.equal(await liveDb(stack), live);
      assert.equal(await statsKey(stack.orthancUrl), counts);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const result = await run.done;
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(samples >= 3, `sampled the live system ${samples} times`);
    assert.match(
      result.stdout,
      new RegExp(
        `Drill PASS: ovena-db-backup\\.sql\\.gz .*${atBackup.CountPatients} patients, ${atBackup.CountStudies} studies, \\d+ series, ${atBackup.CountInstances} instances, schema version 6; RTO estimate`,
      ),
    );
    const recordFile = path.join(stack.env.OVENA_STATE_DIR ?? '', 'last-drill.json');
    assert.equal((await stat(recordFile)).mode & 0o777, 0o600);
    const record = JSON.parse(await readFile(recordFile, 'utf8'));
    assert.equal(record.result, 'pass');
    assert.equal(record.dump, 'ovena-db-backup.sql.gz');
    assert.equal(record.dumpBytes, goodDump.length);
    assert.deepEqual(
      [record.counts.patients, record.counts.studies, record.counts.instances],
      [atBackup.CountPatients, atBackup.CountStudies, atBackup.CountInstances],
    );
    assert.equal(typeof record.loadSeconds, 'number');
    assert.deepEqual(await labelled(run.child.pid), []);
    assert.equal(await liveDb(stack), live);

    const status = await ovena(['status', '--json'], { env: stack.env });
    assert.equal(JSON.parse(status.stdout).lastDrill.result, 'pass');
  });

  it('a dump with a bad COPY row fails, naming its line, while the live system runs on', async () => {
    const lines = gunzipSync(goodDump).toString('utf8').split('\n');
    const copy = lines.findIndex((line) => line.startsWith('COPY public.resources '));
    assert.ok(copy > 0);
    lines[copy + 2] = `${lines[copy + 2]}\textra`;
    await writeFile(path.join(stack.backupDir, 'bad-copy.sql.gz'), gzipSync(lines.join('\n')));
    const before = await statsKey(stack.orthancUrl);
    const live = await liveDb(stack);
    const result = await ovena(['--file=bad-copy.sql', 'drill'], { env: stack.env });
    assert.equal(result.code, 65, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      new RegExp(
        `Drill FAIL: bad-copy\\.sql\\.gz: bad-copy\\.sql\\.gz does not load: line ${copy + 3} of bad-copy\\.sql\\.gz \\(COPY resources, data row 2\\): extra data after last expected column`,
      ),
    );
    assert.equal(await statsKey(stack.orthancUrl), before);
    assert.equal(await liveDb(stack), live);
    const record = JSON.parse(
      await readFile(path.join(stack.env.OVENA_STATE_DIR ?? '', 'last-drill.json'), 'utf8'),
    );
    assert.equal(record.result, 'fail');
    assert.equal(record.lastPass.result, 'pass');
  });

  it('each dump kind that preflight refuses fails the drill, naming the check, before any container starts', async () => {
    const text = gunzipSync(goodDump);
    const kinds: Array<[string, Buffer, RegExp]> = [
      [
        'truncated.sql.gz',
        goodDump.subarray(0, goodDump.length >> 1),
        /not a complete compressed stream/,
      ],
      ['nofooter.sql.gz', gzipSync(text.subarray(0, text.length >> 1)), /no completion comment/],
      [
        'random.sql.gz',
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
        /not a complete compressed stream/,
      ],
      ['empty.sql.gz', Buffer.alloc(0), /is empty/],
      [
        'plain.sql',
        Buffer.from('hello, this is not a dump\n'),
        /does not start with pg_dump's header/,
      ],
    ];
    for (const [name, bytes, reason] of kinds) {
      await writeFile(path.join(stack.backupDir, name), bytes);
      const run = await ovena([`--file=${name}`, 'drill', '--json'], { env: stack.env });
      assert.equal(run.code, 65, `${name}: ${run.stdout}${run.stderr}`);
      const document = JSON.parse(run.stdout);
      assert.equal(document.result, 'fail', name);
      assert.match(document.reason, reason, name);
      assert.doesNotMatch(run.stderr, /Start a throw-away PostgreSQL/, name);
    }
  });

  it('kill -9 during a drill: the next drill removes the leftover container and volume and passes', async () => {
    const run = startOvena(['--file=ovena-db-backup.sql', 'drill'], stack.env);
    await waitFor(
      async () => (await labelled(run.child.pid)).length >= 2,
      120_000,
      'the throw-away container',
    );
    run.child.kill('SIGKILL');
    await run.done;
    const left = await labelled(run.child.pid);
    assert.ok(left.length >= 2, `leftovers: ${left.join(', ')}`);
    const next = await ovena(['--file=ovena-db-backup.sql', 'drill'], { env: stack.env });
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.match(
      next.stdout,
      /removed leftovers of an earlier drill: container [0-9a-f]{12}, volume ovena-drill-/,
    );
    assert.deepEqual(await labelled(run.child.pid), []);
  });

  it('SIGTERM during a drill removes its container and volume (exit 143)', async () => {
    const run = startOvena(['--file=ovena-db-backup.sql', 'drill'], stack.env);
    await waitFor(
      async () => (await labelled(run.child.pid)).length >= 2,
      120_000,
      'the throw-away container',
    );
    run.child.kill('SIGTERM');
    const result = await run.done;
    assert.equal(result.code, 143, result.stdout + result.stderr);
    assert.match(result.stdout, /interrupted/i);
    assert.deepEqual(await labelled(run.child.pid), []);
  });

  it('restore --dry-run on a dump taken before 2 more instances prints its counts and the difference; nothing changes', async () => {
    const atDump = await orthancStatistics(stack.orthancUrl);
    for (const patient of ['LATE1', 'LATE2']) await createInstance(stack.orthancUrl, patient);
    const live = await liveDb(stack);
    const counts = await statsKey(stack.orthancUrl);
    const share = (await exec('ls', ['-l', '--time-style=full-iso', stack.backupDir])).stdout;

    const plain = await ovena(['restore', '--dry-run'], { env: stack.env });
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.match(plain.stdout, /Dry run of a restore: nothing was started, stopped or changed/);
    assert.match(
      plain.stdout,
      new RegExp(
        `Dump holds  ${atDump.CountPatients} patients, ${atDump.CountStudies} studies, \\d+ series, ${atDump.CountInstances} instances`,
      ),
    );
    assert.match(
      plain.stdout,
      /Difference {2}the archive now has .*2 instances more than the dump: they will leave the index; their files stay on the share/,
    );
    assert.match(plain.stdout, /Will destroy the database volume ovena-rig-drill.*_db-data/);
    assert.match(plain.stdout, /RTO {9}.*load/);

    const json = await ovena(['restore', '--dry-run', '--json'], { env: stack.env });
    assert.equal(json.code, 0, json.stderr);
    const document = JSON.parse(json.stdout);
    assert.equal(document.dryRun, true);
    assert.equal(document.wouldLoad.counts.instances, atDump.CountInstances);
    assert.equal(document.difference.instances, 2);
    assert.match(document.difference.text, /2 instances more/);

    assert.equal(await liveDb(stack), live);
    assert.equal(await statsKey(stack.orthancUrl), counts);
    assert.equal(
      (await exec('ls', ['-l', '--time-style=full-iso', stack.backupDir])).stdout,
      share,
    );
  });

  it('a docker data root too small for the drill is refused before any container starts', async () => {
    const env = { ...stack.env, OVENA_TEST_DRILL_DISK_MULTIPLIER: '1000000000' };
    const run = startOvena(['--file=ovena-db-backup.sql', 'drill'], env);
    const result = await run.done;
    assert.equal(result.code, 69, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /not enough disk for the drill: loading ovena-db-backup\.sql\.gz \(.*\) needs about .* in docker's data root .*, which has .* free/,
    );
    assert.doesNotMatch(result.stdout, /start\s+Start a throw-away/);
    assert.deepEqual(await labelled(run.child.pid), []);
  });
});
