/** The result of an images check: what `--json`, the state record and the reconcile report hold. */
export type MissingInstance = { orthancId: string; uuid: string; fileType: number };

export type MissingStudy = {
  orthancId: string;
  studyInstanceUid: string;
  description: string;
  date: string;
  instances: MissingInstance[];
};

export type MissingPatient = {
  orthancId: string;
  patientId: string;
  patientName: string;
  studies: MissingStudy[];
};

export type OrphanFile = { path: string; uuid: string; sizeBytes: number; modified: string };

export type SizeMismatch = {
  path: string;
  uuid: string;
  expectedBytes: number;
  actualBytes: number;
  orthancId: string;
};

export type ImagesCheck = {
  /** When the check ended (ISO 8601). */
  at: string;
  durationMs: number;
  storageDirectory: string;
  result: 'clean' | 'differences';
  counts: {
    indexed: number;
    files: number;
    matched: number;
    missing: number;
    orphans: number;
    sizeMismatches: number;
  };
  /** Missing DICOM files, by patient and study (what to ask the modality or PACS to send again). */
  missing: MissingPatient[];
  /** Missing attachments that are not an instance's DICOM file (other types, other levels). */
  missingOther: Array<{ uuid: string; fileType: number; orthancId: string; level: string }>;
  orphans: OrphanFile[];
  sizeMismatches: SizeMismatch[];
  /** The lists hold at most this many entries each; the counts are always complete. */
  listLimit: number;
  truncated: boolean;
};

/** What `last-images-check.json` holds: a check that ran, or one that could not. */
export type LastImagesCheck =
  | (ImagesCheck & { error?: undefined })
  | { at: string; result: 'failed'; error: string };

export function differenceCount(check: Pick<ImagesCheck, 'counts'>): number {
  const { missing, orphans, sizeMismatches } = check.counts;
  return missing + orphans + sizeMismatches;
}

/** One line for status, check and the home screen. */
export function describeImagesCheck(check: LastImagesCheck): string {
  if (check.result === 'failed') return `images check failed: ${check.error}`;
  const { counts } = check;
  if (check.result === 'clean') return `all ${counts.matched} image files match the index`;
  const parts = [
    counts.missing > 0 ? `${counts.missing} missing` : '',
    counts.orphans > 0 ? `${counts.orphans} orphan${counts.orphans === 1 ? '' : 's'}` : '',
    counts.sizeMismatches > 0 ? `${counts.sizeMismatches} size mismatches` : '',
  ].filter(Boolean);
  return `image files: ${parts.join(', ')} (${counts.matched} match)`;
}
