import { formatBytes, formatDuration, formatTimestamp } from '../format.ts';
import type { ImagesCheck } from './check-result.ts';

const shown = 20;

/** The check's report for an operator: counts, then each list (long lists cut, the JSON has more). */
export function checkLines(check: ImagesCheck): string[] {
  const { counts } = check;
  const rate = check.durationMs > 0 ? Math.round((counts.files * 1000) / check.durationMs) : 0;
  const lines = [
    `Images check of ${check.storageDirectory}: ${counts.indexed} attachments in the index, ${counts.files} files, in ${formatDuration(check.durationMs)} (${rate} files/s)`,
    `  matched          ${counts.matched}`,
    `  missing          ${counts.missing}   (in the index, no file)`,
    `  orphans          ${counts.orphans}   (a file, no index entry)`,
    `  size mismatches  ${counts.sizeMismatches}`,
  ];
  if (check.missing.length > 0 || check.missingOther.length > 0) {
    lines.push(
      '',
      'MISSING files, by patient and study (ask the modality or PACS to send them again):',
    );
    for (const patient of check.missing) {
      lines.push(
        `  Patient ${patient.patientName || '?'} (ID ${patient.patientId || '?'}; Orthanc ${patient.orthancId})`,
      );
      for (const study of patient.studies) {
        lines.push(
          `    Study ${study.date || '?'} "${study.description}" UID ${study.studyInstanceUid || '?'} (Orthanc ${study.orthancId}): ${study.instances.length} instance${study.instances.length === 1 ? '' : 's'}`,
        );
        for (const instance of study.instances.slice(0, shown))
          lines.push(`      instance ${instance.orthancId}, file ${instance.uuid}`);
        if (study.instances.length > shown)
          lines.push(`      ... and ${study.instances.length - shown} more (--json lists them)`);
      }
    }
    for (const other of check.missingOther.slice(0, shown))
      lines.push(
        `  attachment type ${other.fileType} of ${other.level} ${other.orthancId}: file ${other.uuid}`,
      );
  }
  if (check.orphans.length > 0) {
    lines.push(
      '',
      'ORPHAN files (no index entry; "ovena images reconcile" re-ingests the DICOM ones):',
    );
    for (const orphan of check.orphans.slice(0, shown))
      lines.push(
        `  ${orphan.path}  ${formatBytes(orphan.sizeBytes)}  modified ${formatTimestamp(Date.parse(orphan.modified))}`,
      );
    if (check.orphans.length > shown)
      lines.push(`  ... and ${counts.orphans - shown} more (--json lists them)`);
  }
  if (check.sizeMismatches.length > 0) {
    lines.push('', 'SIZE MISMATCHES (the file on the share is not the one the index describes):');
    for (const entry of check.sizeMismatches.slice(0, shown))
      lines.push(
        `  ${entry.path}: ${entry.actualBytes} bytes, the index says ${entry.expectedBytes} (instance ${entry.orthancId})`,
      );
  }
  if (check.truncated)
    lines.push('', `Lists are cut at ${check.listLimit} entries each; the counts are complete.`);
  lines.push(
    '',
    check.result === 'clean'
      ? 'OK: every image file matches the index.'
      : `DIFFERENCES: ${counts.missing} missing, ${counts.orphans} orphans, ${counts.sizeMismatches} size mismatches; "ovena images reconcile" re-ingests orphans (--forget-missing also removes the missing instances from the index).`,
  );
  return lines;
}
