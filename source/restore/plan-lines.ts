import { formatAge, formatBytes, formatTimestamp } from '../format.ts';
import type { RestorePlan } from './preflight.ts';

/** The lines an operator reads before confirming (plain mode prints them before the job). */
export function planLines(plan: RestorePlan, now = Date.now()): string[] {
  const { current } = plan;
  const lines = [
    `Will load   ${plan.dump.name}, ${formatBytes(plan.dump.sizeBytes)}, ${formatTimestamp(plan.dump.modifiedMs)} (${formatAge(now - plan.dump.modifiedMs)} ago)`,
    `Will destroy the database volume ${current.dataVolume ?? '?'}${current.database ? ` (database ${formatBytes(current.database.sizeBytes)}, ${current.database.tables} tables)` : ''}`,
  ];
  if (current.orthanc) {
    lines.push(
      `Orthanc now ${current.orthanc.CountPatients} patients, ${current.orthanc.CountStudies} studies, ${current.orthanc.CountInstances} instances`,
    );
  } else {
    lines.push(
      `Orthanc now ${current.orthancRunning ? 'not answering' : 'not running'}${current.database?.instances !== undefined ? ` (${current.database.instances} instances in the index)` : ''}`,
    );
  }
  lines.push(
    plan.safetyDump.make
      ? 'Safety dump the current database is dumped to pre-restore-<UTC time>.sql.gz first'
      : `Safety dump none: ${plan.safetyDump.reason}`,
  );
  return lines;
}
