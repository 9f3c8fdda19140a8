import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { atExpectedPath, compareSorted, type FileEntry } from '../../source/images/compare.ts';
import { listFilesArgv, parseFileLine, parseIndexLine } from '../../source/images/sides.ts';

/** The storage folder's listing, run with the local sh, find and sort (as in the container). */
async function list(directory: string): Promise<FileEntry[]> {
  const [file = 'sh', ...args] = listFilesArgv(directory);
  const { stdout } = await execa(file, args);
  return stdout === '' ? [] : stdout.split('\n').map(parseFileLine);
}

describe('listing the storage folder', () => {
  let root = '';
  const uuids = [
    '0a1b0000-0000-0000-0000-000000000002',
    '0a1b0000-0000-0000-0000-000000000001',
    'ff000000-0000-0000-0000-000000000000',
    '00000000-0000-0000-0000-000000000000',
    '0a2b0000-0000-0000-0000-000000000000',
  ];
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ovena-listing-'));
    for (const [at, uuid] of uuids.entries()) {
      const folder = path.join(root, uuid.slice(0, 2), uuid.slice(2, 4));
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, uuid), Buffer.alloc(at + 1));
      utimesSync(path.join(folder, uuid), 1_700_000_000.25, 1_700_000_000.25);
    }
    // Misplaced (Orthanc never reads it), hidden, a symlink, a folder at file depth, other depths.
    writeFileSync(path.join(root, '0a', '1b', 'ffff0000-misplaced'), 'x');
    writeFileSync(path.join(root, '0a', '1b', '.hidden'), 'xy');
    symlinkSync(path.join(root, '0a', '1b', uuids[0] ?? ''), path.join(root, '0a', '1b', '0a1bzz'));
    mkdirSync(path.join(root, '0a', '1b', '0a1b-folder'));
    writeFileSync(path.join(root, '0a', 'top-level-file'), 'x');
    mkdirSync(path.join(root, 'ovena-orphans-20261127T000000Z', 'ab', 'cd'), { recursive: true });
    writeFileSync(path.join(root, 'ovena-orphans-20261127T000000Z', 'ab', 'cd', 'abcd'), 'x');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('lists the regular files at xx/yy/name, sorted by name in byte order, with size and mtime', async () => {
    const listed = await list(root);
    assert.deepEqual(
      listed.map((entry) => entry.path),
      [
        '0a/1b/.hidden',
        '00/00/00000000-0000-0000-0000-000000000000',
        '0a/1b/0a1b0000-0000-0000-0000-000000000001',
        '0a/1b/0a1b0000-0000-0000-0000-000000000002',
        '0a/2b/0a2b0000-0000-0000-0000-000000000000',
        'ff/00/ff000000-0000-0000-0000-000000000000',
        '0a/1b/ffff0000-misplaced',
      ],
    );
    const first = listed.find((entry) => entry.uuid === uuids[1]);
    assert.equal(first?.sizeBytes, 2);
    assert.equal(first?.modifiedMs, 1_700_000_000_250);
  });

  it('files at their place come in uuid order; with no index every file is an orphan', async () => {
    const walked = await list(root);
    const placed = walked.filter(atExpectedPath).map((entry) => entry.uuid);
    assert.deepEqual(placed, [...placed].sort());
    assert.equal(placed.length, 5);
    const events: string[] = [];
    async function* one<T>(items: T[]) {
      yield items;
    }
    await compareSorted(one([]), one(walked), (event) => {
      events.push(event.type);
    });
    assert.equal(events.length, 7);
    assert.ok(events.every((type) => type === 'orphan'));
  });

  it('a missing storage folder fails with exit 66', async () => {
    await assert.rejects(list(path.join(root, 'nope')), /exit code 66|code 66/);
  });
});

describe('parsing the sides', () => {
  it('index lines: uuid, type, size (\\N unknown), internal id', () => {
    assert.deepEqual(parseIndexLine('abcd\t1\t1024\t42'), {
      uuid: 'abcd',
      fileType: 1,
      sizeBytes: 1024,
      internalId: 42,
    });
    assert.equal(parseIndexLine('abcd\t1\t\\N\t42').sizeBytes, -1);
  });

  it('file lines: the path is the expected one unless given', () => {
    assert.deepEqual(parseFileLine('abcdef\t7\t1700000000.5'), {
      uuid: 'abcdef',
      path: 'ab/cd/abcdef',
      sizeBytes: 7,
      modifiedMs: 1_700_000_000_500,
    });
    const moved = parseFileLine('abcdef\t7\t1700000000\t00/00/abcdef');
    assert.equal(moved.path, '00/00/abcdef');
    assert.equal(atExpectedPath(moved), false);
    assert.equal(atExpectedPath(parseFileLine('abcdef\t7\t1')), true);
  });
});
