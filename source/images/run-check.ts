import type { Compose } from '../compose/compose.ts';
import { queryDatabase } from '../restore/database-ops.ts';
import type { ImagesCheck, MissingPatient, OrphanFile } from './check-result.ts';
import { type CompareEvent, compareSorted, type FileEntry, type IndexEntry } from './compare.ts';
import { fileEntries, indexEntries, storageDirectory } from './sides.ts';

export type CheckProgress = { files: number; indexed: number; elapsedMs: number };

export type CheckOptions = {
  signal: AbortSignal;
  /** Called about ten times a second while the check runs. */
  onProgress?(progress: CheckProgress): void;
  /** Entries kept in each list (the counts are always complete). */
  listLimit?: number;
  /** Every orphan, in uuid order (reconcile spills them to a file). */
  onOrphan?(file: FileEntry): Promise<void> | undefined;
  /** Every missing attachment, in uuid order. */
  onMissing?(entry: IndexEntry): Promise<void> | undefined;
};

export const defaultListLimit = 1000;

/**
 * A copy of a string that owns its characters: a line's fields are slices of the whole chunk they
 * were read from, and a kept slice would keep that chunk in memory.
 */
function own(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function ownEntry(entry: IndexEntry): IndexEntry {
  return { ...entry, uuid: own(entry.uuid), resourceId: own(entry.resourceId) };
}
const levels = ['patient', 'study', 'series', 'instance'];

/** The instance's study and patient, with their DICOM names and ids, for missing instance files. */
async function groupMissing(
  compose: Compose,
  missing: IndexEntry[],
  signal: AbortSignal,
): Promise<MissingPatient[]> {
  if (missing.length === 0) return [];
  const ids = missing.map((entry) => String(Math.trunc(entry.internalId))).join(',');
  const tag = (resource: string, group: number, element: number) =>
    `coalesce((SELECT value FROM maindicomtags WHERE id = ${resource}.internalid AND taggroup = ${group} AND tagelement = ${element} LIMIT 1), '')`;
  const sql = `SELECT json_build_array(i.internalid, st.publicid, ${tag('st', 32, 13)}, ${tag('st', 8, 4144)}, ${tag('st', 8, 32)}, p.publicid, ${tag('p', 16, 32)}, ${tag('p', 16, 16)})
    FROM resources i JOIN resources se ON se.internalid = i.parentid
    JOIN resources st ON st.internalid = se.parentid JOIN resources p ON p.internalid = st.parentid
    WHERE i.internalid IN (${ids})`;
  const rows = await queryDatabase(compose, sql, signal);
  const byInternal = new Map(missing.map((entry) => [entry.internalId, entry]));
  const patients = new Map<string, MissingPatient>();
  for (const row of rows) {
    const [internalId, studyId, studyUid, description, date, patientOrthancId, patientId, name] =
      JSON.parse(row) as [number, string, string, string, string, string, string, string];
    const entry = byInternal.get(internalId);
    if (!entry) continue;
    let patient = patients.get(patientOrthancId);
    if (!patient) {
      patient = { orthancId: patientOrthancId, patientId, patientName: name, studies: [] };
      patients.set(patientOrthancId, patient);
    }
    let study = patient.studies.find((candidate) => candidate.orthancId === studyId);
    if (!study) {
      study = { orthancId: studyId, studyInstanceUid: studyUid, description, date, instances: [] };
      patient.studies.push(study);
    }
    study.instances.push({
      orthancId: entry.resourceId,
      uuid: entry.uuid,
      fileType: entry.fileType,
    });
  }
  return [...patients.values()];
}

/**
 * Compares every attachment the index knows with every file in Orthanc's storage folder. Reads
 * only: psql in the db container, find in the orthanc container.
 */
export async function runImagesCheck(
  compose: Compose,
  options: CheckOptions,
): Promise<ImagesCheck> {
  const started = Date.now();
  const limit = options.listLimit ?? defaultListLimit;
  const directory = storageDirectory(compose);
  const counts = { indexed: 0, files: 0, matched: 0, missing: 0, orphans: 0, sizeMismatches: 0 };
  const orphans: OrphanFile[] = [];
  const missingInstances: IndexEntry[] = [];
  const missingOther: ImagesCheck['missingOther'] = [];
  const sizeMismatches: ImagesCheck['sizeMismatches'] = [];
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
  const visit = (event: CompareEvent): Promise<void> | undefined => {
    let pending: Promise<void> | undefined;
    switch (event.type) {
      case 'matched':
        counts.indexed++;
        counts.files++;
        counts.matched++;
        break;
      case 'missing': {
        counts.indexed++;
        counts.missing++;
        const { entry } = event;
        pending = options.onMissing?.(entry);
        if (missingInstances.length + missingOther.length >= limit) truncated = true;
        else if (entry.fileType === 1 && entry.resourceType === 3)
          missingInstances.push(ownEntry(entry));
        else
          missingOther.push({
            uuid: own(entry.uuid),
            fileType: entry.fileType,
            orthancId: own(entry.resourceId),
            level: levels[entry.resourceType] ?? String(entry.resourceType),
          });
        break;
      }
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
        if (sizeMismatches.length >= limit) truncated = true;
        else
          sizeMismatches.push({
            path: own(event.file.path),
            uuid: own(event.entry.uuid),
            expectedBytes: event.entry.sizeBytes,
            actualBytes: event.file.sizeBytes,
            orthancId: own(event.entry.resourceId),
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
  await compareSorted(
    indexEntries(compose, options.signal),
    fileEntries(compose, directory, options.signal),
    visit,
  );
  report();
  const missing = await groupMissing(compose, missingInstances, options.signal);
  const differences = counts.missing + counts.orphans + counts.sizeMismatches;
  return {
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
    storageDirectory: directory,
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
