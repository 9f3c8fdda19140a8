import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chunkBytes } from '../../source/backup/dump-script.ts';
import { dumpToShare } from '../../source/backup/dump-steps.ts';
import { Compose } from '../../source/compose/compose.ts';
import type { Progress } from '../../source/jobs/job.ts';
import { composeCommand, ovena, type Stack, startStack } from '../helpers/stack.ts';
import { dbShell } from './backup-helpers.ts';

/**
 * One big table and ten small ones, in a schema of their own beside Orthanc's index. The big one
 * holds about 2.1 million rows of ~160 bytes of dump text: ~340 MB, more than 8 of the
 * compressor's 32 MB chunks. `analyze` gives the row estimate autovacuum keeps on a live database.
 */
const generateSql = `
create schema ovena_weight;
create unlogged table ovena_weight.big (id integer, payload text);
insert into ovena_weight.big select i, md5(i::text) || repeat('-', 120) from generate_series(1, 2100000) i;
do $$ begin
  for t in 0..9 loop
    execute format('create table ovena_weight.small_%s as select i, md5(i::text) as v from generate_series(1, 2000) i', t);
  end loop;
end $$;
analyze;
`;

describe('dump progress weighted by table size (real stack)', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('dp-weight', 62100);
    await dbShell(
      stack,
      'psql -X -q -v ON_ERROR_STOP=1 -U orthanc -d orthanc -c "$1"',
      generateSql,
    );
  });

  after(async () => {
    await stack?.down();
  });

  it('the reported fraction stays within 15 points of bytes written / final bytes at every event', async () => {
    const compose = await Compose.open({
      files: (stack.env.OVENA_COMPOSE_FILE ?? '').split(':'),
      env: stack.env,
    });
    const events: Progress[] = [];
    const result = await dumpToShare(compose, {
      fileName: 'weighted.sql',
      progress: (update) => events.push(update),
    });
    // The dump spans at least 8 of the compressor's chunks.
    const text = Number(
      (await dbShell(stack, 'gunzip -c /mnt/backup/weighted.sql.gz | wc -c')).trim(),
    );
    assert.ok(text >= 8 * chunkBytes, `dump text ${text} bytes: fewer than 8 chunks`);
    const final = result.sizeBytes;
    assert.ok(final > 0);
    const samples = events.filter((event) => event.written !== undefined);
    assert.ok(samples.length >= 5, `only ${samples.length} progress events`);
    const drift = samples.map((event) => {
      assert.notEqual(event.fraction, undefined, 'every event carries the weighted fraction');
      const truth = (event.written ?? 0) / final;
      return { fraction: event.fraction ?? 0, truth, off: Math.abs((event.fraction ?? 0) - truth) };
    });
    const worst = drift.reduce((a, b) => (b.off > a.off ? b : a));
    assert.ok(
      worst.off <= 0.15,
      `fraction ${worst.fraction.toFixed(3)} vs written ${worst.truth.toFixed(3)}: ${JSON.stringify(drift.map((d) => [d.fraction.toFixed(2), d.truth.toFixed(2)]))}`,
    );
    // It moves with the bytes through the big table, not in one jump at its end.
    assert.ok(
      drift.some((d) => d.fraction > 0.25 && d.fraction < 0.75),
      JSON.stringify(drift.map((d) => d.fraction.toFixed(2))),
    );
    assert.equal(events.at(-1)?.done, events.at(-1)?.total, 'every table was dumped');
  });

  it('the plain log of a failed backup has exactly one line naming the error', async () => {
    await composeCommand(stack, ['stop', 'db']);
    const result = await ovena(['backup'], { env: stack.env });
    assert.equal(result.code, 69, result.stdout + result.stderr);
    const lines = (result.stdout + result.stderr).split('\n');
    const naming = lines.filter((line) => line.includes('the db service is not running'));
    assert.equal(naming.length, 1, result.stdout + result.stderr);
    assert.match(naming[0] ?? '', /FAILED at "Check the backup share/);
    // The state line follows it.
    const index = lines.indexOf(naming[0] ?? '');
    assert.match(lines[index + 1] ?? '', /state: nothing was written/);
  });
});
