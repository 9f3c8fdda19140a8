import { type PgTarget, queryTarget } from '../load/pg-target.ts';
import type { MissingPatient } from './check-result.ts';
import type { IndexEntry } from './compare.ts';

/** An attachment with the resource it belongs to (looked up only for those that are reported). */
export type ResolvedEntry = IndexEntry & {
  /** Orthanc id of the resource ('' when the index has no such resource). */
  resourceId: string;
  /** 0 patient, 1 study, 2 series, 3 instance (-1: unknown). */
  resourceType: number;
};

const ids = (entries: readonly { internalId: number }[]) =>
  [...new Set(entries.map((entry) => String(Math.trunc(entry.internalId))))].join(',');

/** The Orthanc id and level of each attachment's resource, with one query. */
export async function resolveResources(
  db: PgTarget,
  entries: readonly IndexEntry[],
  signal: AbortSignal,
): Promise<ResolvedEntry[]> {
  if (entries.length === 0) return [];
  const rows = await queryTarget(
    db,
    `SELECT json_build_array(internalid, publicid, resourcetype) FROM resources WHERE internalid IN (${ids(entries)})`,
    signal,
  );
  const byId = new Map<number, { publicId: string; type: number }>();
  for (const row of rows) {
    const [internalId, publicId, type] = JSON.parse(row) as [number, string, number];
    byId.set(internalId, { publicId, type });
  }
  return entries.map((entry) => {
    const resource = byId.get(entry.internalId);
    return { ...entry, resourceId: resource?.publicId ?? '', resourceType: resource?.type ?? -1 };
  });
}

/** The instance's study and patient, with their DICOM names and ids, for missing instance files. */
export async function groupMissing(
  db: PgTarget,
  missing: ResolvedEntry[],
  signal: AbortSignal,
): Promise<MissingPatient[]> {
  if (missing.length === 0) return [];
  const tag = (resource: string, group: number, element: number) =>
    `coalesce((SELECT value FROM maindicomtags WHERE id = ${resource}.internalid AND taggroup = ${group} AND tagelement = ${element} LIMIT 1), '')`;
  const sql = `SELECT json_build_array(i.internalid, st.publicid, ${tag('st', 32, 13)}, ${tag('st', 8, 4144)}, ${tag('st', 8, 32)}, p.publicid, ${tag('p', 16, 32)}, ${tag('p', 16, 16)})
    FROM resources i JOIN resources se ON se.internalid = i.parentid
    JOIN resources st ON st.internalid = se.parentid JOIN resources p ON p.internalid = st.parentid
    WHERE i.internalid IN (${ids(missing)})`;
  const rows = await queryTarget(db, sql, signal);
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
