import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { imagesWarning } from '../../source/images/assess-images.ts';
import { checkAdvice } from '../../source/images/check-job.ts';
import type { ImagesCheck } from '../../source/images/check-result.ts';
import {
  type CompareEvent,
  compareSorted,
  expectedPath,
  type FileEntry,
  type IndexEntry,
} from '../../source/images/compare.ts';
import { classifyFile, isSopClassWithoutPixels } from '../../source/images/dicom-kind.ts';
import { readLines } from '../../source/images/lines.ts';
import { tarEntries } from '../../source/images/tar-entries.ts';

/** One explicit-VR little-endian element. */
function element(group: number, elementNo: number, vr: string, value: Buffer): Buffer {
  const padded = value.length % 2 ? Buffer.concat([value, Buffer.from([0])]) : value;
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elementNo, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(padded.length, 8);
  else header.writeUInt16LE(padded.length, 6);
  return Buffer.concat([header, padded]);
}

function dicomFile(options: { sopClass?: string; pixels?: boolean }): Buffer {
  const parts = [
    Buffer.alloc(128),
    Buffer.from('DICM'),
    element(0x0002, 0x0010, 'UI', Buffer.from('1.2.840.10008.1.2.1')),
  ];
  if (options.sopClass) parts.push(element(0x0008, 0x0016, 'UI', Buffer.from(options.sopClass)));
  parts.push(element(0x0010, 0x0010, 'PN', Buffer.from('TEST^UNIT')));
  if (options.pixels) parts.push(element(0x7fe0, 0x0010, 'OB', Buffer.alloc(16, 7)));
  return Buffer.concat(parts);
}

function orthancCompressed(bytes: Buffer): Buffer {
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([size, deflateSync(bytes)]);
}

const ctImage = '1.2.840.10008.5.1.4.1.1.2';

describe('classifying orphan files', () => {
  it('a complete image is DICOM; without Pixel Data it is partial', () => {
    assert.equal(classifyFile(dicomFile({ sopClass: ctImage, pixels: true })).kind, 'dicom');
    const partial = classifyFile(dicomFile({ sopClass: ctImage }));
    assert.equal(partial.kind, 'partial');
  });

  it('SOP classes without pixels (SR, presentation state, PDF) are complete without Pixel Data', () => {
    for (const uid of [
      '1.2.840.10008.5.1.4.1.1.88.22',
      '1.2.840.10008.5.1.4.1.1.11.1',
      '1.2.840.10008.5.1.4.1.1.104.1',
    ]) {
      assert.ok(isSopClassWithoutPixels(uid), uid);
      assert.equal(classifyFile(dicomFile({ sopClass: uid })).kind, 'dicom', uid);
    }
    assert.equal(isSopClassWithoutPixels(ctImage), false);
    assert.equal(
      isSopClassWithoutPixels('1.2.840.10008.5.1.4.1.1.481.2'),
      false,
      'RT dose has pixels',
    );
  });

  it("Orthanc's StorageCompression (8-byte size + zlib) is inflated first", () => {
    const file = dicomFile({ sopClass: ctImage, pixels: true });
    const result = classifyFile(orthancCompressed(file));
    assert.equal(result.kind, 'dicom');
    assert.ok(result.kind === 'dicom' && result.compressed);
    assert.deepEqual(Buffer.from(result.kind === 'dicom' ? result.dicom : []), file);
    assert.equal(classifyFile(orthancCompressed(dicomFile({ sopClass: ctImage }))).kind, 'partial');
  });

  it('text, empty and truncated files', () => {
    assert.equal(classifyFile(Buffer.from('hello\n')).kind, 'not-dicom');
    assert.equal(classifyFile(Buffer.alloc(0)).kind, 'not-dicom');
    assert.equal(
      classifyFile(orthancCompressed(Buffer.from('zlib but no DICOM'))).kind,
      'not-dicom',
    );
    const full = dicomFile({ sopClass: ctImage, pixels: true });
    assert.equal(classifyFile(full.subarray(0, full.length - 10)).kind, 'partial');
  });
});

/** Items in batches of two, as the sides arrive in chunks. */
async function* from<T>(items: T[]): AsyncGenerator<T[]> {
  for (let at = 0; at < items.length; at += 2) yield items.slice(at, at + 2);
}

const entry = (uuid: string, sizeBytes = 10): IndexEntry => ({
  uuid,
  fileType: 1,
  sizeBytes,
  internalId: 1,
});
const file = (uuid: string, sizeBytes = 10, where = expectedPath(uuid)): FileEntry => ({
  uuid,
  path: where,
  sizeBytes,
  modifiedMs: 0,
});

async function collect(
  index: AsyncIterable<IndexEntry[]>,
  files: AsyncIterable<FileEntry[]>,
): Promise<string[]> {
  const out: string[] = [];
  await compareSorted(index, files, (event: CompareEvent) => {
    out.push(`${event.type}:${'entry' in event ? event.entry.uuid : event.file.uuid}`);
  });
  return out;
}

describe('merging the sorted sides', () => {
  it('pairs matches, missing, orphans, size mismatches and misplaced files', async () => {
    const events = await collect(
      from([entry('aa11'), entry('bb22'), entry('cc33', 5), entry('ee55')]),
      from([
        file('aa11'),
        file('cc33'),
        file('dd44'),
        file('ee55', 10, 'zz/zz/ee55'),
        file('ff66'),
      ]),
    );
    assert.deepEqual(events, [
      'matched:aa11',
      'missing:bb22',
      'size-mismatch:cc33',
      'orphan:dd44',
      'orphan:ee55',
      'missing:ee55',
      'orphan:ff66',
    ]);
  });

  it('refuses an unsorted side', async () => {
    await assert.rejects(collect(from([entry('bb'), entry('aa')]), from([])), /not sorted/);
  });

  it('reads lines across chunks', async () => {
    const lines: string[] = [];
    for await (const line of readLines(Readable.from(['a\tb\nc', 'd\n', 'e']))) lines.push(line);
    assert.deepEqual(lines, ['a\tb', 'cd', 'e']);
  });
});

function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\0', 257, 'latin1');
  return header;
}

describe('tar stream', () => {
  it('yields each file with its content, across odd chunk sizes', async () => {
    const one = Buffer.from('first file');
    const two = Buffer.alloc(1500, 3);
    const archive = Buffer.concat([
      tarHeader('ab/cd/one', one.length),
      one,
      Buffer.alloc(512 - one.length),
      tarHeader('ef/01/two', two.length),
      two,
      Buffer.alloc(2048 - two.length),
      Buffer.alloc(1024),
    ]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < archive.length; at += 333) chunks.push(archive.subarray(at, at + 333));
    const seen: Array<[string, number]> = [];
    for await (const item of tarEntries(Readable.from(chunks)))
      seen.push([item.path, item.data.length]);
    assert.deepEqual(seen, [
      ['ab/cd/one', one.length],
      ['ef/01/two', two.length],
    ]);
  });
});

describe('verdicts', () => {
  const check = (counts: Partial<ImagesCheck['counts']>): ImagesCheck => ({
    at: new Date().toISOString(),
    durationMs: 10,
    storageDirectory: '/s',
    result: (counts.missing ?? 0) + (counts.orphans ?? 0) > 0 ? 'differences' : 'clean',
    counts: {
      indexed: 3,
      files: 3,
      matched: 3,
      missing: 0,
      orphans: 0,
      sizeMismatches: 0,
      ...counts,
    },
    missing: [],
    missingOther: [],
    orphans: [],
    sizeMismatches: [],
    listLimit: 1000,
    truncated: false,
  });
  it('missing files warn; orphans alone do not change the level', () => {
    assert.match(imagesWarning(check({ missing: 2 })) ?? '', /2 image files missing/);
    assert.equal(imagesWarning(check({ orphans: 4 })), undefined);
    assert.equal(imagesWarning(undefined), undefined);
    assert.match(
      checkAdvice(check({ orphans: 2 })),
      /^WARNING: image files: 2 orphans .*reconcile/,
    );
    assert.match(checkAdvice(check({})), /all 3 image files match/);
  });
});
