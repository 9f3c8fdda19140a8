import { UsageError } from '../errors.ts';
import {
  type Compression,
  compressionFacts,
  compressionOfFile,
  compressions,
  withoutCompression,
} from './compression.ts';

export const defaultDumpName = 'ovena-db-backup.sql';
/** Where the backup share is mounted inside the db container. */
export const backupDir = '/mnt/backup';
/** Temporary files of running or failed backups start with this; no listing shows them as dumps. */
export const temporaryPrefix = '.ovena-tmp-';

const rule =
  'a dump name is a bare file name of letters, digits, ".", "_" and "-", ending in .sql, not starting with "." or "-", at most 200 characters (e.g. --file=ovena-db-backup.sql)';

/** Validates NAME as given to --file; the result is never passed through a shell. */
export function validateDumpName(name: string): string {
  if (
    name.length === 0 ||
    name.length > 200 ||
    !/^[A-Za-z0-9_][A-Za-z0-9._-]*\.sql$/.test(name) ||
    name.includes('..')
  ) {
    throw new UsageError(`invalid --file=${JSON.stringify(name).slice(1, -1)}: ${rule}`);
  }
  return name;
}

/** The file a backup to --file=NAME publishes in the share: NAME.gz (a name, never a path). */
export function publishedDumpName(name: string, compression: Compression = 'gzip'): string {
  return `${validateDumpName(name)}${compressionFacts[compression].extension}`;
}

/**
 * A restore names the dump as it was at backup (`x.sql` means `x.sql.gz` or `x.sql.zst`) or as the
 * file itself (`x.sql.gz`, `x.sql.zst`, a plain `x.sql`). Returns every file name it can stand for;
 * the caller refuses when more than one of them exists.
 */
export function restoreCandidates(name: string): string[] {
  if (compressionOfFile(name)) {
    validateDumpName(withoutCompression(name));
    return [name];
  }
  validateDumpName(name);
  return [...compressions.map((c) => `${name}${compressionFacts[c].extension}`), name];
}

export function isDumpFileName(name: string): boolean {
  if (name.startsWith('.')) return false;
  try {
    validateDumpName(withoutCompression(name));
    return true;
  } catch {
    return false;
  }
}
