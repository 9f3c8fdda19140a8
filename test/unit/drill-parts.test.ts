import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requiredBytes } from '../../source/drill/disk-need.ts';
import { drillWarning } from '../../source/drill/drill-status.ts';
import { rtoEstimate } from '../../source/drill/rto.ts';
import { compressionOfFile, readerCaseArms } from '../../source/dumps/compression.ts';
import {
  describeLoadFailure,
  locateCopyRow,
  parseLoadFailure,
} from '../../source/load/load-error.ts';
import { readerFragment } from '../../source/load/reader-script.ts';
import { describeDifference, parseScanOutput } from '../../source/load/scan-dump.ts';
import { rtoFromDrill } from '../../source/restore/dry-run.ts';
import { parseSettings, requireSection, sectionBroken } from '../../source/settings/settings.ts';

describe('loader and dump scan (pure parts)', () => {
  it('names the dump line of a failing COPY row from the COPY statement line', () => {
    const failure = parseLoadFailure([
      'psql:<stdin>:890: ERROR:  extra data after last expected column',
      'CONTEXT:  COPY resources, line 3: "3\t2\textra"',
    ]);
    assert.ok(failure);
    const located = locateCopyRow(failure, new Map([['public.resources', 877]]));
    assert.equal(located.dumpLine, 880);
    assert.equal(
      describeLoadFailure(located, 'bad.sql.gz'),
      'bad.sql.gz does not load: line 880 of bad.sql.gz (COPY resources, data row 3): extra data after last expected column',
    );
  });

  it('names the statement of a plain SQL error', () => {
    const failure = parseLoadFailure([
      'psql:<stdin>:3: ERROR:  relation "nosuch" does not exist',
      'LINE 1: select * from nosuch',
    ]);
    assert.ok(failure);
    assert.equal(
      describeLoadFailure(failure, 'x.sql'),
      'x.sql does not load: the statement ending at line 3 of x.sql: relation "nosuch" does not exist',
    );
  });

  it('reads the scan output: tables, resource types, schema version', () => {
    const scan = parseScanOutput([
      'ovena-table\tpublic.resources\t12\t877',
      'ovena-table\tpublic.globalproperties\t7\t745',
      'ovena-resources\t0\t3',
      'ovena-resources\t1\t3',
      'ovena-resources\t2\t4',
      'ovena-resources\t3\t5',
      'ovena-schema\t6',
      'ovena-lines\t1245',
    ]);
    assert.deepEqual(scan.counts, { patients: 3, studies: 3, series: 4, instances: 5 });
    assert.equal(scan.schemaVersion, '6');
    assert.equal(scan.tables.length, 2);
    assert.equal(parseScanOutput(['ovena-table\tpublic.other\t1\t5']).counts, undefined);
  });

  it('says the difference between the archive now and the dump', () => {
    const dump = { patients: 3, studies: 3, series: 3, instances: 3 };
    assert.equal(
      describeDifference({ patients: 3, studies: 3, series: 3, instances: 5 }, dump),
      'the archive now has 2 instances more than the dump: they will leave the index; their files stay on the share',
    );
    assert.equal(
      describeDifference({ patients: 3, studies: 3, series: 3, instances: 2 }, dump),
      'the archive now has 1 instance fewer than the dump',
    );
    assert.equal(
      describeDifference(dump, dump),
      'the archive now holds the same counts as the dump',
    );
  });

  it('reads gzip, zstd and plain dumps with the readers of dumps/compression.ts', () => {
    assert.equal(compressionOfFile('/mnt/backup/a.sql.gz'), 'gzip');
    assert.equal(compressionOfFile('/mnt/backup/a.sql.zst'), 'zstd');
    assert.equal(compressionOfFile('/mnt/backup/a.sql'), undefined);
    assert.ok(readerFragment.includes(readerCaseArms));
    assert.ok(readerFragment.includes('*) reader="cat --"'));
  });
});

describe('drill (pure parts)', () => {
  it('disk need: dump × factor + WAL + cluster; the test variable inflates it', () => {
    const mb = 1024 * 1024;
    assert.equal(requiredBytes('a.sql.gz', 10 * mb, {}), Math.ceil(110 * mb + 110 * mb + 64 * mb));
    assert.ok(requiredBytes('a.sql', 10 * mb, {}) < requiredBytes('a.sql.gz', 10 * mb, {}));
    assert.equal(
      requiredBytes('a.sql.gz', mb, { OVENA_TEST_DRILL_DISK_MULTIPLIER: '1000' }),
      requiredBytes('a.sql.gz', mb, {}) * 1000,
    );
  });

  it('RTO: load plus measured fixed steps, or says they are unknown', () => {
    const timings = {
      at: '2026-11-27T05:00:00Z',
      stopMs: 3000,
      removeVolumeMs: 1000,
      startDbMs: 6000,
    };
    assert.equal(rtoEstimate(2000, timings).seconds, 12);
    const unknown = rtoEstimate(2000, undefined);
    assert.equal(unknown.seconds, undefined);
    assert.match(unknown.text, /not yet measured on this host/);
  });

  it('dry-run RTO scales the last passing drill to the dump size', () => {
    const drill = {
      at: '2026-11-27T05:00:00Z',
      dump: 'a.sql.gz',
      dumpBytes: 1000,
      result: 'pass' as const,
      loadSeconds: 10,
    };
    const dump = { name: 'b.sql.gz', sizeBytes: 2000, modifiedMs: 0, compressed: true };
    assert.equal(rtoFromDrill(drill, dump, 5000)?.seconds, 25);
    assert.equal(rtoFromDrill({ ...drill, result: 'fail' }, dump, 5000), undefined);
  });

  it('check warns without a recent passing drill only once a drill schedule is set', () => {
    const now = Date.parse('2026-11-27T00:00:00Z');
    const old = { at: '2026-11-01T00:00:00Z', dump: 'a', dumpBytes: 1, result: 'pass' as const };
    assert.equal(drillWarning(undefined, false, now), undefined);
    assert.match(drillWarning(undefined, true, now) ?? '', /no passing restore drill/);
    assert.match(drillWarning(old, true, now) ?? '', /older than drill.maxAge/);
    assert.equal(drillWarning({ ...old, at: '2026-11-26T00:00:00Z' }, true, now), undefined);
    assert.match(
      drillWarning({ ...old, result: 'fail', reason: 'boom', lastPass: old }, true, now) ?? '',
      /the last drill failed: boom/,
    );
  });

  it('settings: drill.webhooks and drill.maxAge, separate from the backup webhooks', () => {
    const settings = parseSettings(
      'webhooks:\n  success: https://a.example/b\ndrill:\n  webhooks:\n    success: https://c.example/d\n  maxAge: 3d\n',
      'ovena.yml',
    );
    assert.equal(settings.webhooks.success, 'https://a.example/b');
    assert.equal(settings.drill?.webhooks.success, 'https://c.example/d');
    assert.equal(settings.drill?.maxAgeMs, 3 * 24 * 3_600_000);
    // A broken drill section is a problem of its own section: the backup's webhooks still apply.
    const broken = parseSettings(
      'webhooks:\n  success: https://a.example/b\ndrill:\n  nope: 1\n',
      'ovena.yml',
    );
    assert.equal(broken.webhooks.success, 'https://a.example/b');
    assert.equal(broken.drill, undefined);
    assert.equal(sectionBroken(broken, 'drill'), true);
    assert.equal(sectionBroken(broken, 'webhooks'), false);
    assert.throws(() => requireSection(broken, 'drill'), /drill\.nope/);
  });
});
