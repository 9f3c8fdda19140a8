import { formatAge, formatBytes, formatTimestamp } from '../format.ts';
import { describeDifference } from '../load/scan-dump.ts';
import { countsOfStatistics } from './dump-check.ts';
import type { RestorePlan } from './preflight.ts';

/** The dump's own counts (its resources COPY block) and how the archive differs from them now. */
export function dumpCountLines(plan: Pick<RestorePlan, 'dumpScan' | 'current'>): string[] {
  const counts = plan.dumpScan?.counts;
  if (!plan.dumpScan) return [];
  if (!counts) return ['Dump holds  no Orthanc resources table (not an Orthanc index?)'];
  const lines = [
    `Dump holds  ${counts.patients} patients, ${counts.studies} studies, ${counts.series} series, ${counts.instances} instances`,
  ];
  if (plan.current.orthanc) {
    lines.push(
      `Difference  ${describeDifference(countsOfStatistics(plan.current.orthanc), counts)}`,
    );
  }
  return lines;
}

/** The lines an operator reads before confirming (plain mode prints them before the job). */
export function planLines(plan: RestorePlan, now = Date.now()): string[] {
  const { current } = plan;
  const lines = [
    `Will load   ${plan.dump.name}, ${formatBytes(plan.dump.sizeBytes)}, ${formatTimestamp(plan.dump.modifiedMs)} (${formatAge(now - plan.dump.modifiedMs)} ago)`,
    `Will destroy the database volume ${current.dataVolume ?? '?'}${current.database ? ` (database ${formatBytes(current.database.sizeBytes)}, ${current.database.tables} tables)` : ''}`,
  ];
  const kept = plan.keptDatabases ?? [];
  if (kept.length > 0) {
    // Issue 18: the kept beside databases live in the same volume; the safety dump is of <db> only.
    lines.push(
      `Also gone   ${kept.map((database) => `${database.name} (${formatBytes(database.sizeBytes)})`).join(', ')}: kept by beside restores in the same volume; the safety dump covers only the live database`,
    );
  }
  if (current.orthanc) {
    lines.push(
      `Orthanc now ${current.orthanc.CountPatients} patients, ${current.orthanc.CountStudies} studies, ${current.orthanc.CountInstances} instances`,
    );
  } else {
    lines.push(
      `Orthanc now ${current.orthancRunning ? 'not answering' : 'not running'}${current.database?.instances !== undefined ? ` (${current.database.instances} instances in the index)` : ''}`,
    );
  }
  lines.push(...dumpCountLines(plan));
  lines.push(
    plan.safetyDump.make
      ? 'Safety dump the current database is dumped to pre-restore-<UTC time>.sql.gz first'
      : `Safety dump none: ${plan.safetyDump.reason}`,
  );
  if (plan.besideAdvice) lines.push(`Beside      ${plan.besideAdvice}`);
  return lines;
}
