import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../source/errors.ts';
import { conflicts, markerBlocks } from '../../source/lock/lock-table.ts';
import {
  assertNoBlockingRestore,
  parseMarker,
  readUnfinishedRestore,
  writeMarker,
} from '../../source/lock/restore-marker.ts';
import { assertDiskEnough, besideNeedBytes } from '../../source/restore/beside/disk.ts';
import { liveSessionOptions, sizeLiveSessions } from '../../source/restore/beside/live-load.ts';
import {
  besideName,
  besidePrefix,
  cutToBytes,
  ident,
  literal,
  maxNameBytes,
  stampOf,
  stampTime,
  utcStamp,
} from '../../source/restore/beside/names.ts';
import { settingStatement, splitListSetting } from '../../source/restore/beside/pg-admin.ts';
import { planBefore } from '../../source/restore/beside/prune-before.ts';
import {
  renameSql,
  switchState,
  switchStatements,
} from '../../source/restore/beside/switch-sql.ts';

const now = new Date('2026-11-27T08:35:07.123Z');

describe('beside restore: database names', () => {
  it('a short name gets the long tags and the UTC stamp', () => {
    assert.equal(utcStamp(now), '20261127T083507Z');
    assert.equal(besideName('orthanc', 'restore', now), 'orthanc_restore_20261127T083507Z');
    assert.equal(besideName('orthanc', 'before', now), 'orthanc_before_20261127T083507Z');
    assert.equal(
      stampOf('orthanc_before_20261127T083507Z', 'orthanc', 'before'),
      '20261127T083507Z',
    );
    assert.equal(stampTime('20261127T083507Z').toISOString(), '2026-11-27T08:35:07.000Z');
  });

  it('never exceeds 63 bytes: the tag shortens first, then the name is cut on a character', () => {
    for (const length of [1, 30, 38, 39, 40, 44, 45, 50, 63]) {
      for (const base of ['d', 'é', '数']) {
        const database = base.repeat(length);
        for (const kind of ['restore', 'before'] as const) {
          const name = besideName(database, kind, now);
          assert.ok(Buffer.byteLength(name) <= maxNameBytes, `${name}: ${Buffer.byteLength(name)}`);
          assert.ok(!name.includes('\uFFFD'));
          assert.equal(stampOf(name, database, kind), '20261127T083507Z', name);
        }
      }
    }
    // 38 bytes + "_restore_" + 16 = 63: still long; 39: short tag.
    assert.equal(besidePrefix('a'.repeat(38), 'restore'), `${'a'.repeat(38)}_restore_`);
    assert.equal(besidePrefix('a'.repeat(39), 'restore'), `${'a'.repeat(39)}_r_`);
    assert.equal(besidePrefix('a'.repeat(63), 'before'), `${'a'.repeat(44)}_b_`);
    assert.equal(cutToBytes('aé', 2), 'a');
  });

  it('other names are not taken for ours', () => {
    assert.equal(stampOf('orthanc_before_x', 'orthanc', 'before'), undefined);
    assert.equal(stampOf('orthanc2_before_20261127T083507Z', 'orthanc', 'before'), undefined);
    assert.equal(stampOf('orthanc_restore_20261127T083507Z', 'orthanc', 'before'), undefined);
  });

  it('quotes identifiers and literals', () => {
    assert.equal(ident('a"b'), '"a""b"');
    assert.equal(literal("it's"), "'it''s'");
  });
});

describe('beside restore: the switch SQL', () => {
  const names = {
    live: 'orthanc',
    incoming: 'orthanc_restore_20261127T083507Z',
    before: 'orthanc_before_20261127T083507Z',
  };

  it('blocks both, terminates their sessions, renames both in one transaction, re-allows', () => {
    const statements = switchStatements(names);
    assert.deepEqual(
      statements.map((statement) => statement.id),
      ['block', 'terminate', 'rename', 'allow'],
    );
    assert.equal(
      statements[0]?.sql,
      'ALTER DATABASE "orthanc" ALLOW_CONNECTIONS false; ALTER DATABASE "orthanc_restore_20261127T083507Z" ALLOW_CONNECTIONS false',
    );
    assert.match(
      statements[1]?.sql ?? '',
      /pg_terminate_backend\(pid\).*datname IN \('orthanc', 'orthanc_restore_20261127T083507Z'\) AND pid <> pg_backend_pid\(\)/,
    );
    assert.equal(
      renameSql(names),
      'BEGIN; ALTER DATABASE "orthanc" RENAME TO "orthanc_before_20261127T083507Z"; ALTER DATABASE "orthanc_restore_20261127T083507Z" RENAME TO "orthanc"; COMMIT',
    );
    assert.equal(
      statements[3]?.sql,
      'ALTER DATABASE "orthanc" ALLOW_CONNECTIONS true; ALTER DATABASE "orthanc_before_20261127T083507Z" ALLOW_CONNECTIONS true',
    );
  });

  it('tells a committed switch from one that did not rename', () => {
    assert.equal(switchState(names, new Set(['orthanc', names.before])), 'renamed');
    assert.equal(switchState(names, new Set(['orthanc', names.incoming])), 'not-renamed');
    assert.equal(switchState(names, new Set([names.incoming, names.before])), 'unknown');
    assert.equal(switchState(names, new Set(['orthanc', names.incoming, names.before])), 'unknown');
  });
});

describe('beside restore: disk, lock and marker', () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-beside-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('needs the dump times the expansion factor plus WAL headroom, refused with the numbers', () => {
    const wal = 1024 * 1024 * 1024;
    assert.equal(besideNeedBytes('x.sql.gz', 1_000_000, wal), 11_000_000 + wal + 256 * 1024 * 1024);
    assert.throws(
      () =>
        assertDiskEnough(
          { needBytes: 2_000_000_000, freeBytes: 1_000_000, walBytes: wal },
          { name: 'x.sql.gz', sizeBytes: 1_000_000 },
        ),
      (error: Error & { exitCode?: number }) =>
        error.exitCode === ExitCode.unavailable &&
        /needs about 2(\.0)? GB .* which has 1(\.0)? MB free; nothing was created/.test(
          error.message,
        ),
    );
  });

  it('a beside load runs beside backups and drills; the switch (restore) does not', () => {
    assert.equal(conflicts('beside-load', 'backup'), false);
    assert.equal(conflicts('beside-load', 'drill'), false);
    assert.equal(conflicts('beside-load', 'prune'), false);
    assert.equal(conflicts('beside-load', 'beside-load'), true);
    assert.equal(conflicts('beside-load', 'stop'), true);
    assert.equal(conflicts('restore', 'backup'), true);
  });

  it('a marker of a beside load blocks nothing; of a switch, backup but not start', async () => {
    const beside = { live: 'orthanc', incoming: 'orthanc_restore_x', before: 'orthanc_before_x' };
    const base = {
      dump: 'x.sql.gz',
      mode: 'beside' as const,
      beside,
      startedAt: now.toISOString(),
    };
    await writeMarker(stateDir, { ...base, phase: 'beside-loading' });
    assert.deepEqual(markerBlocks['beside-loading'], []);
    for (const kind of ['start', 'backup', 'drill'] as const)
      await assertNoBlockingRestore(stateDir, kind, 'going on');
    assert.equal(await readUnfinishedRestore(stateDir), undefined);
    await writeMarker(stateDir, { ...base, phase: 'beside-switching' });
    await assertNoBlockingRestore(stateDir, 'start', 'starting Orthanc');
    await assert.rejects(
      assertNoBlockingRestore(stateDir, 'backup', 'backing up'),
      (error: Error) =>
        /"ovena start" finishes or undoes it; run it before backing up/.test(error.message),
    );
    assert.equal((await readUnfinishedRestore(stateDir))?.beside?.incoming, 'orthanc_restore_x');
  });

  it('parses beside markers and refuses mixed ones', () => {
    const at = now.toISOString();
    const beside = { live: 'o', incoming: 'o_restore_x', before: 'o_before_x' };
    assert.deepEqual(
      parseMarker(
        JSON.stringify({
          dump: 'x',
          mode: 'beside',
          phase: 'beside-loading',
          beside,
          startedAt: at,
        }),
      ),
      { dump: 'x', mode: 'beside', phase: 'beside-loading', beside, startedAt: at },
    );
    assert.equal(
      parseMarker(
        JSON.stringify({ dump: 'x', mode: 'beside', phase: 'loading', beside, startedAt: at }),
      ),
      undefined,
    );
    assert.equal(
      parseMarker(
        JSON.stringify({ dump: 'x', mode: 'beside', phase: 'beside-loading', startedAt: at }),
      ),
      undefined,
    );
    assert.equal(
      parseMarker(JSON.stringify({ dump: 'x', phase: 'beside-switching', beside, startedAt: at })),
      undefined,
    );
  });
});

describe('beside restore: retention.before', () => {
  const hour = 3_600_000;
  const at = Date.parse('2026-11-27T12:00:00Z');
  const kept = (hoursAgo: number) => ({
    name: `orthanc_before_${hoursAgo}`,
    at: new Date(at - hoursAgo * hour),
    sizeBytes: 1,
  });
  const actions = (decisions: Array<{ name: string; action: string }>) =>
    decisions.map((decision) => `${decision.name}:${decision.action}`);

  it('keeps the newest N, none older than maxAge', () => {
    const policy = { keep: 1, maxAgeMs: 7 * 24 * hour };
    assert.deepEqual(actions(planBefore([kept(48), kept(2), kept(200)], policy, at, false)), [
      'orthanc_before_2:keep',
      'orthanc_before_48:drop',
      'orthanc_before_200:drop',
    ]);
    assert.deepEqual(actions(planBefore([kept(200)], policy, at, false)), [
      'orthanc_before_200:drop',
    ]);
    assert.deepEqual(
      actions(
        planBefore([kept(1), kept(5), kept(30)], { keep: 2, maxAgeMs: 24 * hour }, at, false),
      ),
      ['orthanc_before_1:keep', 'orthanc_before_5:keep', 'orthanc_before_30:drop'],
    );
  });

  it('never the only one younger than a day, unless --force', () => {
    const none = { keep: 0, maxAgeMs: 7 * 24 * hour };
    assert.deepEqual(actions(planBefore([kept(3), kept(40)], none, at, false)), [
      'orthanc_before_3:held',
      'orthanc_before_40:drop',
    ]);
    assert.deepEqual(actions(planBefore([kept(3), kept(40)], none, at, true)), [
      'orthanc_before_3:drop',
      'orthanc_before_40:drop',
    ]);
    // Two younger than a day: neither is the only one.
    assert.deepEqual(actions(planBefore([kept(3), kept(5)], none, at, false)), [
      'orthanc_before_3:drop',
      'orthanc_before_5:drop',
    ]);
  });
});

describe('beside restore: the from-scratch plan', () => {
  it('names the kept databases it destroys and says what beside would do', async () => {
    const { planLines } = await import('../../source/restore/plan-lines.ts');
    const lines = planLines(
      {
        dump: { name: 'x.sql.gz', sizeBytes: 1000, modifiedMs: 0 },
        path: '/mnt/backup/x.sql.gz',
        safetyDump: { make: true },
        current: {
          dataVolume: 'v',
          database: { tables: 3, sizeBytes: 1, schemaVersion: '6', instances: 1 },
          orthanc: undefined,
          orthancRunning: false,
        },
        startedDatabase: false,
        marker: undefined,
        keptDatabases: [{ name: 'orthanc_before_20261127T083507Z', at: now, sizeBytes: 2_000_000 }],
        besideAdvice: 'recommended: because',
      } as unknown as Parameters<typeof planLines>[0],
      now.getTime(),
    );
    assert.ok(
      lines.includes(
        'Also gone   orthanc_before_20261127T083507Z (2.0 MB): kept by beside restores in the same volume; the safety dump covers only the live database',
      ),
      lines.join('\n'),
    );
    assert.equal(lines.at(-1), 'Beside      recommended: because');
  });
});

describe('beside restore: live-safe load sessions', () => {
  it('one session per CPU (at most 8), maintenance_work_mem within about 1 GB in total', () => {
    assert.deepEqual(sizeLiveSessions(2), { sessions: 2, maintenanceWorkMemMb: 256 });
    assert.deepEqual(sizeLiveSessions(1), { sessions: 1, maintenanceWorkMemMb: 256 });
    assert.deepEqual(sizeLiveSessions(8), { sessions: 8, maintenanceWorkMemMb: 128 });
    assert.deepEqual(sizeLiveSessions(64), { sessions: 8, maintenanceWorkMemMb: 128 });
    assert.deepEqual(sizeLiveSessions(Number.NaN), { sessions: 1, maintenanceWorkMemMb: 256 });
    for (const cpus of [1, 2, 3, 4, 6, 8, 32]) {
      const sized = sizeLiveSessions(cpus);
      assert.ok(sized.sessions * sized.maintenanceWorkMemMb <= 1024, String(cpus));
    }
  });

  it('only session settings: synchronous_commit off and the bounded maintenance_work_mem', () => {
    assert.equal(
      liveSessionOptions(256),
      '-c synchronous_commit=off -c maintenance_work_mem=256MB',
    );
    assert.doesNotMatch(liveSessionOptions(256), /fsync|full_page_writes|wal_level/);
  });
});

describe("the live database's settings, copied to the database loaded beside it", () => {
  it('splits a list setting as PostgreSQL stores it, quotes undone', () => {
    assert.deepEqual(splitListSetting('public, "$user"'), ['public', '$user']);
    assert.deepEqual(splitListSetting('"my ""odd"", schema",public'), [
      'my "odd", schema',
      'public',
    ]);
    assert.deepEqual(splitListSetting('""'), ['']);
    assert.deepEqual(splitListSetting('"a " , b '), ['a ', 'b']);
  });

  it('gives a list setting one literal a name, any other one literal', () => {
    assert.equal(
      settingStatement('', 'search_path=public, "$user"', '"orthanc_restore_1"'),
      `ALTER DATABASE "orthanc_restore_1" SET "search_path" = 'public', '$user'`,
    );
    assert.equal(
      settingStatement('reader', 'work_mem=8MB', '"x"'),
      `ALTER ROLE "reader" IN DATABASE "x" SET "work_mem" = '8MB'`,
    );
    assert.equal(
      settingStatement('', "application_name=it's, a list? no", '"x"'),
      `ALTER DATABASE "x" SET "application_name" = 'it''s, a list? no'`,
    );
  });
});
