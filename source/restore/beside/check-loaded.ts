import type { Compose } from '../../compose/compose.ts';
import { ExitCode, OvenaError } from '../../errors.ts';
import { queryTarget } from '../../load/pg-target.ts';
import type { IndexCounts } from '../../load/scan-dump.ts';
import { databaseTarget } from './pg-admin.ts';

export type LoadedCheck = {
  tables: number;
  sizeBytes: number;
  schemaVersion: string;
  counts: IndexCounts;
};

function countsText(counts: IndexCounts): string {
  return `${counts.patients} patients, ${counts.studies} studies, ${counts.series} series, ${counts.instances} instances`;
}

/**
 * The check before anything is switched: the new database has tables, Orthanc's index with a
 * schema version, and the dump's own counts of patients, studies, series and instances.
 */
export async function checkLoaded(
  compose: Compose,
  database: string,
  expected: IndexCounts | undefined,
  signal?: AbortSignal,
): Promise<LoadedCheck> {
  const target = databaseTarget(compose, database);
  const [tables = '0', size = '0', hasIndex = 'f'] = await queryTarget(
    target,
    "SELECT count(*)::text FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema') UNION ALL SELECT pg_database_size(current_database())::text UNION ALL SELECT (to_regclass('public.globalproperties') IS NOT NULL AND to_regclass('public.resources') IS NOT NULL)::text",
    signal,
  );
  if (hasIndex !== 'true') {
    throw new OvenaError(
      `the loaded database ${database} has no Orthanc index (no GlobalProperties/Resources tables): this dump is not of Orthanc's database`,
      ExitCode.dataError,
    );
  }
  const [version = ''] = await queryTarget(
    target,
    "SELECT coalesce((SELECT value FROM GlobalProperties WHERE property = 1), '')",
    signal,
  );
  if (version === '') {
    throw new OvenaError(
      `the loaded database ${database} has no Orthanc schema version`,
      ExitCode.dataError,
    );
  }
  const rows = await queryTarget(
    target,
    'SELECT resourcetype, count(*) FROM resources GROUP BY 1',
    signal,
  );
  const byType = new Map(rows.map((line) => line.split('|') as [string, string]));
  const counts: IndexCounts = {
    patients: Number(byType.get('0') ?? 0),
    studies: Number(byType.get('1') ?? 0),
    series: Number(byType.get('2') ?? 0),
    instances: Number(byType.get('3') ?? 0),
  };
  if (
    expected &&
    (expected.patients !== counts.patients ||
      expected.studies !== counts.studies ||
      expected.series !== counts.series ||
      expected.instances !== counts.instances)
  ) {
    throw new OvenaError(
      `the loaded database ${database} holds ${countsText(counts)}, the dump ${countsText(expected)}: nothing was switched`,
      ExitCode.dataError,
    );
  }
  return { tables: Number(tables), sizeBytes: Number(size), schemaVersion: version, counts };
}

export { countsText };
