import { UsageError } from '../errors.ts';

/** The stem of the default dump name; always a known stem. */
export const defaultStem = 'ovena-db-backup';
/** The restore's safety dumps (`pre-restore-<UTC>.sql.gz`): their own policy, never a GFS stem. */
export const safetyStem = 'pre-restore';

const stampPattern = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.sql\.(?:gz|zst)$/;

/** `20261127T040000Z`: the UTC time in a timestamped dump's name. */
export function formatStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The stem of `--file` (`x.sql` → `x`), refused when it would pass for a safety dump. */
export function stemOf(fileName: string): string {
  const stem = fileName.replace(/\.sql$/, '');
  if (stem === safetyStem) {
    throw new UsageError(
      `--file=${fileName} with --timestamp would write names of the restore's safety dumps (pre-restore-*): choose another name`,
    );
  }
  return stem;
}

/** `x.sql` → `x-20261127T040000Z.sql` (the backup adds .gz). */
export function timestampedFileName(fileName: string, ms: number): string {
  return `${stemOf(fileName)}-${formatStamp(ms)}.sql`;
}

export type StampedName = { stem: string; timeMs: number };

/** The stem and time of `STEM-YYYYMMDDTHHMMSSZ.sql.gz` (or .zst); undefined for anything else. */
export function parseStampedName(name: string): StampedName | undefined {
  const match = stampPattern.exec(name);
  if (!match) return undefined;
  const [, stem = '', year, month, day, hour, minute, second] = match.map((part) => part ?? '');
  const timeMs = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  // A date that does not exist (20260230) is a hand-made name, not ours.
  if (formatStamp(timeMs) !== name.slice(stem.length + 1, stem.length + 17)) return undefined;
  return { stem, timeMs };
}
