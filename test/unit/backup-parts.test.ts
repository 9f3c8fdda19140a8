import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { describeDumpFailure, parseDumpStderr } from '../../source/backup/dump-script.ts';
import { scratchPathOf, temporaryName } from '../../source/backup/dump-to-share.ts';
import { readLastBackup, writeLastBackup } from '../../source/backup/last-backup.ts';
import { ownerPidOf } from '../../source/backup/stale-cleanup.ts';
import { isDumpFileName } from '../../source/dumps/dump-name.ts';
import { memberRanges } from '../../source/dumps/verify-dump.ts';

describe('backup building blocks', () => {
  it('names temporary files so no listing shows them and the owner pid is readable', () => {
    const name = temporaryName('ovena-db-backup.sql', 'gzip', 4242);
    assert.match(name, /^\.ovena-tmp-ovena-db-backup\.sql\.4242\.[0-9a-f]{8}\.gz$/);
    assert.equal(isDumpFileName(name), false);
    assert.equal(ownerPidOf(name), 4242);
    assert.equal(ownerPidOf('.ovena-tmp-garbage'), undefined);
  });

  it('names zstd temporaries too, and their scratch folder in the container', () => {
    const name = temporaryName('x.sql', 'zstd', 77);
    assert.match(name, /^\.ovena-tmp-x\.sql\.77\.[0-9a-f]{8}\.zst$/);
    assert.equal(ownerPidOf(name), 77);
    assert.equal(scratchPathOf(`/mnt/backup/${name}`), `/tmp/ovena-chunks-${name}`);
  });

  it('says which program failed and which disk is full', () => {
    assert.equal(
      describeDumpFailure({
        where: 'share',
        failure: 'gzip could not write to the backup share',
        toolError: 'cat: write error: No space left on device',
        pgError: 'could not write to output file: Broken pipe',
      }),
      'gzip could not write the dump to the backup share /mnt/backup (cat: write error: No space left on device): the backup share is full',
    );
    assert.equal(
      describeDumpFailure({
        where: 'scratch',
        failure: "gzip could not use the container's scratch space /tmp/ovena-chunks-x",
        toolError: 'head: error writing: No space left on device',
        pgError: undefined,
      }),
      "gzip could not use the container's scratch space /tmp/ovena-chunks-x (head: error writing: No space left on device): the db container's disk is full",
    );
    assert.equal(
      describeDumpFailure({
        where: 'other',
        failure: 'pg_dump exit status 1',
        toolError: undefined,
        pgError: 'connection refused',
      }),
      'pg_dump failed: connection refused',
    );
  });

  it("reads pg_dump's verbose lines, sizes and failures", () => {
    assert.deepEqual(parseDumpStderr('pg_dump: dumping contents of table "public.resources"'), {
      kind: 'table',
      name: 'public.resources',
    });
    assert.deepEqual(parseDumpStderr('ovena-size 1234'), { kind: 'size', bytes: 1234 });
    assert.deepEqual(parseDumpStderr('ovena-member 99'), { kind: 'member', bytes: 99 });
    assert.deepEqual(parseDumpStderr('ovena-member 99 4038471504'), {
      kind: 'member',
      bytes: 99,
      crc: '4038471504',
    });
    assert.deepEqual(
      parseDumpStderr('pg_dump: error: connection to server on socket failed: No such file'),
      { kind: 'error', message: 'connection to server on socket failed: No such file' },
    );
    assert.deepEqual(parseDumpStderr('gzip: stdout: No space left on device'), {
      kind: 'tool',
      message: 'gzip: stdout: No space left on device',
    });
    assert.deepEqual(parseDumpStderr('ovena-fail share gzip could not write to the backup share'), {
      kind: 'fail',
      where: 'share',
      message: 'gzip could not write to the backup share',
    });
    assert.equal(parseDumpStderr('pg_dump: reading extensions'), undefined);
  });

  it('keeps the last run (0600) and, after a failure, the last good one', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-state-'));
    try {
      assert.equal(await readLastBackup(stateDir), undefined);
      await writeLastBackup(stateDir, {
        at: '2026-01-01T01:00:00.000Z',
        file: '/mnt/backup/a.sql.gz',
        sizeBytes: 10,
        durationMs: 5,
        result: 'ok',
      });
      await writeLastBackup(stateDir, {
        at: '2026-01-01T02:00:00.000Z',
        file: '/mnt/backup/a.sql.gz',
        sizeBytes: 0,
        durationMs: 7,
        result: 'failed',
        error: 'pg_dump failed: boom',
      });
      const record = await readLastBackup(stateDir);
      assert.equal(record?.result, 'failed');
      assert.equal(record?.error, 'pg_dump failed: boom');
      assert.equal(record?.lastSuccess?.at, '2026-01-01T01:00:00.000Z');
      assert.equal((await stat(path.join(stateDir, 'last-backup.json'))).mode & 0o777, 0o600);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('cuts the gzip members into contiguous ranges that tile the file, about equal in bytes', () => {
    const tile = (ranges: string[] | undefined, members: number[]) => {
      assert.ok(ranges);
      let next = 0;
      for (const range of ranges) {
        const [start, length] = range.split(':').map(Number);
        assert.equal(start, next, `${ranges.join(' ')} is contiguous`);
        assert.ok((length ?? 0) > 0);
        next = (start ?? 0) + (length ?? 0);
      }
      assert.equal(
        next,
        members.reduce((sum, size) => sum + size, 0),
        'covers the file',
      );
    };
    const even = [10, 10, 10, 10];
    assert.deepEqual(memberRanges(even, 2), ['0:20', '20:20']);
    tile(memberRanges(even, 2), even);
    const ragged = [32, 32, 32, 32, 32, 7];
    assert.deepEqual(memberRanges(ragged, 2), ['0:96', '96:71']);
    assert.deepEqual(memberRanges([100, 1, 1], 2), ['0:100', '100:2']);
    assert.equal(memberRanges(ragged, 8)?.length, 6, 'never more ranges than members');
    tile(memberRanges(ragged, 8), ragged);
    assert.equal(memberRanges([5], 2), undefined, 'one member: the one-pass check');
    assert.equal(memberRanges(even, 1), undefined, 'one CPU: the one-pass check');
  });
});
