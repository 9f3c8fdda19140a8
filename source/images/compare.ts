/**
 * The two sides of an images check, each read as a stream sorted by attachment uuid (byte order),
 * and the merge that pairs them: memory stays flat whatever the archive's size. Both sides arrive
 * in batches (one per chunk read), and the merge awaits only to refill a batch or when the visitor
 * asks it to (backpressure), so it costs little per file.
 */
export type IndexEntry = {
  uuid: string;
  fileType: number;
  /** Bytes on disk (Orthanc's compressed size; equal to the uncompressed one without compression). */
  sizeBytes: number;
  /** Internal id in the index of the resource it belongs to (resources.internalid). */
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

/** Whether a file is where Orthanc reads it (xx/yy/uuid); compared in place, without a new string. */
export function atExpectedPath(file: FileEntry): boolean {
  const { path, uuid } = file;
  if (uuid.length < 4) return path === expectedPath(uuid);
  return (
    path.length === uuid.length + 6 &&
    path.endsWith(uuid) &&
    path.charCodeAt(2) === 47 &&
    path.charCodeAt(5) === 47 &&
    path.startsWith(uuid.slice(0, 2)) &&
    path.charCodeAt(3) === uuid.charCodeAt(2) &&
    path.charCodeAt(4) === uuid.charCodeAt(3)
  );
}

/**
 * A read position in a batched, sorted stream; checks the order as it goes, for the items that
 * `ordered` says take part in it (a misplaced file may come anywhere: it is an orphan anyway).
 */
class Cursor<T extends { uuid: string }> {
  private batch: T[] = [];
  private index = 0;
  private previous: string | undefined;
  done = false;
  private readonly iterator: AsyncIterator<T[]>;

  constructor(
    source: AsyncIterable<T[]>,
    private readonly side: string,
    private readonly ordered: (item: T) => boolean = () => true,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The current item; undefined when the batch is used up (call `fill`) or the stream ended. */
  peek(): T | undefined {
    return this.batch[this.index];
  }

  get empty(): boolean {
    return this.index >= this.batch.length;
  }

  async fill(): Promise<void> {
    while (!this.done && this.index >= this.batch.length) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else {
        this.batch = next.value;
        this.index = 0;
      }
    }
  }

  advance(): void {
    const item = this.batch[this.index];
    const uuid = item?.uuid;
    if (item !== undefined && uuid !== undefined && this.ordered(item)) {
      if (this.previous !== undefined && uuid < this.previous) {
        throw new Error(
          `the ${this.side} listing is not sorted by uuid ("${uuid}" after "${this.previous}"): the check cannot continue`,
        );
      }
      this.previous = uuid;
    }
    this.index++;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/**
 * Merge-joins the index and the files, both sorted by uuid. A file that is not at its expected
 * path (xx/yy/uuid) is an orphan: Orthanc would never read it.
 */
export async function compareSorted(
  index: AsyncIterable<IndexEntry[]>,
  files: AsyncIterable<FileEntry[]>,
  visit: (event: CompareEvent) => void | Promise<void>,
): Promise<void> {
  const left = new Cursor(index, 'index');
  const right = new Cursor(files, 'storage folder', atExpectedPath);
  try {
    for (;;) {
      // Both sides refill at once: at the start this runs psql and find side by side.
      if (left.empty && right.empty) await Promise.all([left.fill(), right.fill()]);
      else if (left.empty) await left.fill();
      else if (right.empty) await right.fill();
      const a = left.peek();
      const b = right.peek();
      if (a === undefined && b === undefined) return;
      let event: CompareEvent;
      if (b !== undefined && (a === undefined || b.uuid < a.uuid || !atExpectedPath(b))) {
        event = { type: 'orphan', file: b };
        right.advance();
      } else if (a !== undefined && (b === undefined || a.uuid < b.uuid)) {
        event = { type: 'missing', entry: a };
        left.advance();
      } else {
        const entry = a as IndexEntry;
        const file = b as FileEntry;
        event =
          entry.sizeBytes === file.sizeBytes
            ? { type: 'matched', entry, file }
            : { type: 'size-mismatch', entry, file };
        left.advance();
        right.advance();
      }
      const pending = visit(event);
      if (pending) await pending;
    }
  } finally {
    await left.close();
    await right.close();
  }
}
