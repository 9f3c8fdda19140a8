import { formatAgo, formatBytes, formatTimestamp } from '../format.ts';
import { describeDifference } from '../load/scan-dump.ts';
import { countsOfStatistics } from './dump-check.ts';
import type { RestorePlan } from './preflight.ts';

/** One labelled line of the plan: the confirmation puts the values in a column of their own. */
export type PlanRow = { label: string; value: string };

/** A row as one plain line: the label in 11 columns and a space (plain mode, the dry run). */
export function planRowLine(row: PlanRow): string {
  return `${row.label.padEnd(11)} ${row.value}`;
}

/** The dump's own counts (its resources COPY block) and how the archive differs from them now. */
export function dumpCountRows(plan: Pick<RestorePlan, 'dumpScan' | 'current'>): PlanRow[] {
  const counts = plan.dumpScan?.counts;
  if (!plan.dumpScan) return [];
  if (!counts)
    return [{ label: 'Dump holds', value: 'no Orthanc resources table (not an Orthanc index?)' }];
  const rows = [
    {
      label: 'Dump holds',
      value: `${counts.patients} patients, ${counts.studies} studies, ${counts.series} series, ${counts.instances} instances`,
    },
  ];
  if (plan.current.orthanc) {
    rows.push({
      label: 'Difference',
      value: describeDifference(countsOfStatistics(plan.current.orthanc), counts),
    });
  }
  return rows;
}

export function dumpCountLines(plan: Pick<RestorePlan, 'dumpScan' | 'current'>): string[] {
  return dumpCountRows(plan).map(planRowLine);
}

/** What an operator reads before confirming, label and value apart. */
export function planRows(plan: RestorePlan, now = Date.now()): PlanRow[] {
  const { current } = plan;
  const rows: PlanRow[] = [
    {
      label: 'Will load',
      value: `${plan.dump.name}, ${formatBytes(plan.dump.sizeBytes)}, ${formatTimestamp(plan.dump.modifiedMs)} (${formatAgo(now - plan.dump.modifiedMs)})`,
    },
    {
      label: 'Will destroy',
      value: `the database volume ${current.dataVolume ?? '?'}${current.database ? ` (database ${formatBytes(current.database.sizeBytes)}, ${current.database.tables} tables)` : ''}`,
    },
  ];
  const kept = plan.keptDatabases ?? [];
  if (kept.length > 0) {
    // Issue 18: the kept beside databases live in the same volume; the safety dump is of <db> only.
    rows.push({
      label: 'Also gone',
      value: `${kept.map((database) => `${database.name} (${formatBytes(database.sizeBytes)})`).join(', ')}: kept by beside restores in the same volume; the safety dump covers only the live database`,
    });
  }
  if (current.orthanc) {
    rows.push({
      label: 'Orthanc now',
      value: `${current.orthanc.CountPatients} patients, ${current.orthanc.CountStudies} studies, ${current.orthanc.CountInstances} instances`,
    });
  } else {
    rows.push({
      label: 'Orthanc now',
      value: `${current.orthancRunning ? 'not answering' : 'not running'}${current.database?.instances !== undefined ? ` (${current.database.instances} instances in the index)` : ''}`,
    });
  }
  rows.push(...dumpCountRows(plan));
  rows.push(
    plan.safetyDump.make
      ? {
          label: 'Safety dump',
          value: 'the current database is dumped to pre-restore-<UTC time>.sql.gz first',
        }
      : { label: 'Safety dump', value: `none: ${plan.safetyDump.reason}` },
  );
  if (plan.besideAdvice) rows.push({ label: 'Beside', value: plan.besideAdvice });
  return rows;
}

/** The lines an operator reads before confirming (plain mode prints them before the job). */
export function planLines(plan: RestorePlan, now = Date.now()): string[] {
  return planRows(plan, now).map(planRowLine);
}
