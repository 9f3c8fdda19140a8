import type { ImagesCheck, OrphanFile } from './check-result.ts';
import type { CheckTarget } from './check-target.ts';
import { type CompareEvent, compareSorted, type FileEntry, type IndexEntry } from './compare.ts';
import { groupMissing, type ResolvedEntry, resolveResources } from './resources.ts';
import { fileEntries, indexEntries, sidesControl } from './sides.ts';

export type CheckProgress = { files: number; indexed: number; elapsedMs: number };

export type CheckOptions = {
  signal: AbortSignal;
  /** Called about ten times a second while the check runs. */
  onProgress?(progress: CheckProgress): void;
  /** Entries kept in each list (the counts are always complete). */
  listLimit?: number;
  /** Every orphan, in uuid order (reconcile spills them to a file). */
  onOrphan?(file: FileEntry): Promise<void> | undefined;
  /** Every missing attachment, with its resource, in uuid order (in batches, after a lookup). */
  onMissing?(entry: ResolvedEntry): Promise<void> | undefined;
};

export const defaultListLimit = 1000;

/** Missing attachments whose resource is looked up at once (one psql each). */
const resolveBatch = 1000;

/**
 * A copy of a string that owns its characters: a line's fields are slices of the whole chunk they
 * were read from, and a kept slice would keep that chunk in memory.
 */
function own(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function ownEntry(entry: IndexEntry): IndexEntry {
  return { ...entry, uuid: own(entry.uuid) };
}

const levels = ['patient', 'study', 'series', 'instance'];

/**
 * Compares every attachment the index knows with every file in Orthanc's storage folder. Reads
 * only: psql in the db container, the storage folder's listing in the orthanc container.
 */
export async function runImagesCheck(
  target: CheckTarget,
  options: CheckOptions,
): Promise<ImagesCheck> {
  const started = Date.now();
  const { signal } = options;
  const limit = options.listLimit ?? defaultListLimit;
  const counts = { indexed: 0, files: 0, matched: 0, missing: 0, orphans: 0, sizeMismatches: 0 };
  const orphans: OrphanFile[] = [];
  const missingInstances: ResolvedEntry[] = [];
  const missingOther: ImagesCheck['missingOther'] = [];
  const mismatched: Array<{ entry: IndexEntry; file: FileEntry }> = [];
  let truncated = false;
  let lastProgress = 0;
  let seen = 0;
  const report = () => {
    options.onProgress?.({
      files: counts.files,
      indexed: counts.indexed,
      elapsedMs: Date.now() - started,
    });
  };
  // Missing attachments wait here for their resource (one lookup per batch).
  let unresolved: IndexEntry[] = [];
  const resolveMissing = async () => {
    const batch = unresolved;
    unresolved = [];
    for (const entry of await resolveResources(target.db, batch, signal)) {
      const pending = options.onMissing?.(entry);
      if (pending) await pending;
      if (missingInstances.length + missingOther.length >= limit) truncated = true;
      else if (entry.fileType === 1 && entry.resourceType === 3) missingInstances.push(entry);
      else
        missingOther.push({
          uuid: entry.uuid,
          fileType: entry.fileType,
          orthancId: entry.resourceId,
          level: levels[entry.resourceType] ?? String(entry.resourceType),
        });
    }
  };
  const visit = (event: CompareEvent): Promise<void> | undefined => {
    let pending: Promise<void> | undefined;
    switch (event.type) {
      case 'matched':
        counts.indexed++;
        counts.files++;
        counts.matched++;
        break;
      case 'missing':
        counts.indexed++;
        counts.missing++;
        // Without a visitor only the kept ones need their resource.
        if (options.onMissing || counts.missing <= limit) unresolved.push(ownEntry(event.entry));
        else truncated = true;
        if (options.onMissing && unresolved.length >= resolveBatch) pending = resolveMissing();
        break;
      case 'orphan': {
        counts.files++;
        counts.orphans++;
        const { file } = event;
        pending = options.onOrphan?.(file);
        if (orphans.length >= limit) truncated = true;
        else
          orphans.push({
            path: own(file.path),
            uuid: own(file.uuid),
            sizeBytes: file.sizeBytes,
            modified: new Date(file.modifiedMs).toISOString(),
          });
        break;
      }
      case 'size-mismatch':
        counts.indexed++;
        counts.files++;
        counts.sizeMismatches++;
        if (mismatched.length >= limit) truncated = true;
        else
          mismatched.push({
            entry: ownEntry(event.entry),
            file: { ...event.file, path: own(event.file.path) },
          });
        break;
    }
    if ((++seen & 1023) === 0) {
      const now = Date.now();
      if (now - lastProgress >= 100) {
        lastProgress = now;
        report();
      }
    }
    return pending;
  };
  // A failure of either side (or of the merge) never leaves the other side's command running.
  const sides = sidesControl(signal);
  try {
    await compareSorted(indexEntries(target, sides), fileEntries(target, sides), visit);
  } finally {
    sides.dispose();
  }
  report();
  await resolveMissing();
  const resolvedMismatches = await resolveResources(
    target.db,
    mismatched.map(({ entry }) => entry),
    signal,
  );
  const sizeMismatches = mismatched.map(({ entry, file }, at) => ({
    path: file.path,
    uuid: entry.uuid,
    expectedBytes: entry.sizeBytes,
    actualBytes: file.sizeBytes,
    orthancId: resolvedMismatches[at]?.resourceId ?? '',
  }));
  const missing = await groupMissing(target.db, missingInstances, signal);
  const differences = counts.missing + counts.orphans + counts.sizeMismatches;
  return {
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
    storageDirectory: target.storageDirectory,
    result: differences === 0 ? 'clean' : 'differences',
    counts,
    missing,
    missingOther,
    orphans,
    sizeMismatches,
    listLimit: limit,
    truncated,
  };
}
