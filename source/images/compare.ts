/**
 * The two sides of an images check, each read as a stream sorted by attachment uuid (byte order),
 * and the merge that pairs them: memory stays flat whatever the archive's size.
 */
export type IndexEntry = {
  uuid: string;
  fileType: number;
  /** Bytes on disk (Orthanc's compressed size; equal to the uncompressed one without compression). */
  sizeBytes: number;
  /** Orthanc id of the resource the attachment belongs to. */
  resourceId: string;
  /** 0 patient, 1 study, 2 series, 3 instance. */
  resourceType: number;
  /** Internal id in the index (resources.internalid). */
  internalId: number;
};

export type FileEntry = {
  uuid: string;
  /** Path relative to the storage folder, e.g. "ab/cd/abcd...". */
  path: string;
  sizeBytes: number;
  /** Modification time, ms since the epoch. */
  modifiedMs: number;
};

export type CompareEvent =
  | { type: 'matched'; entry: IndexEntry; file: FileEntry }
  | { type: 'missing'; entry: IndexEntry }
  | { type: 'orphan'; file: FileEntry }
  | { type: 'size-mismatch'; entry: IndexEntry; file: FileEntry };

/** Where Orthanc's filesystem storage keeps an attachment: xx/yy/uuid. */
export function expectedPath(uuid: string): string {
  return `${uuid.slice(0, 2)}/${uuid.slice(2, 4)}/${uuid}`;
}

function ordered<T extends { uuid: string }>(
  source: AsyncIterable<T>,
  side: string,
): AsyncIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let previous: string | undefined;
  return {
    async next() {
      const result = await iterator.next();
      if (!result.done) {
        const uuid = result.value.uuid;
        if (previous !== undefined && uuid < previous) {
          throw new Error(
            `the ${side} listing is not sorted by uuid ("${uuid}" after "${previous}"): the check cannot continue`,
          );
        }
        previous = uuid;
      }
      return result;
    },
    async return(value?: unknown) {
      await iterator.return?.(value);
      return { done: true, value: undefined };
    },
  };
}

/**
 * Merge-joins the index and the files, both sorted by uuid. A file that is not at its expected
 * path (xx/yy/uuid) is an orphan: Orthanc would never read it.
 */
export async function* compareSorted(
  index: AsyncIterable<IndexEntry>,
  files: AsyncIterable<FileEntry>,
): AsyncGenerator<CompareEvent> {
  const left = ordered(index, 'index');
  const right = ordered(files, 'storage folder');
  let a = await left.next();
  let b = await right.next();
  try {
    while (!a.done || !b.done) {
      if (!b.done && b.value.path !== expectedPath(b.value.uuid)) {
        yield { type: 'orphan', file: b.value };
        b = await right.next();
        continue;
      }
      if (a.done) {
        if (!b.done) yield { type: 'orphan', file: b.value };
        b = await right.next();
        continue;
      }
      if (b.done || a.value.uuid < b.value.uuid) {
        yield { type: 'missing', entry: a.value };
        a = await left.next();
        continue;
      }
      if (b.value.uuid < a.value.uuid) {
        yield { type: 'orphan', file: b.value };
        b = await right.next();
        continue;
      }
      const entry = a.value;
      const file = b.value;
      yield entry.sizeBytes === file.sizeBytes
        ? { type: 'matched', entry, file }
        : { type: 'size-mismatch', entry, file };
      a = await left.next();
      b = await right.next();
    }
  } finally {
    await left.return?.();
    await right.return?.();
  }
}
