import type { Compose } from '../../compose/compose.ts';
import { formatAge, formatBytes } from '../../format.ts';
import { besideDatabases, type KeptDatabase } from './pg-admin.ts';

/** The `<db>_before_*` databases for status (null when the database cannot be asked). */
export async function keptDatabases(
  compose: Compose,
  signal?: AbortSignal,
): Promise<KeptDatabase[] | null> {
  try {
    return await besideDatabases(compose, 'before', signal);
  } catch {
    return null;
  }
}

/** `Before    orthanc_before_20261127T083335Z  8.4 MB, 3 h old` — newest first. */
export function keptLines(kept: readonly KeptDatabase[] | null, now = Date.now()): string[] {
  if (!kept || kept.length === 0) return [];
  return kept.map(
    (database, index) =>
      `Before    ${database.name}  ${formatBytes(database.sizeBytes)}, ${formatAge(now - database.at.getTime())} old${index === 0 ? ' ("ovena restore --undo --yes" switches back to it)' : ''}`,
  );
}

/** The same for --json. */
export function keptJson(kept: readonly KeptDatabase[] | null) {
  return kept === null
    ? null
    : kept.map((database) => ({
        name: database.name,
        sizeBytes: database.sizeBytes,
        at: database.at.toISOString(),
      }));
}
