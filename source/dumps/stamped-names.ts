import { UsageError } from '../errors.ts';
import { compressionOfFile, withoutCompression } from './compression.ts';

/** The stem of the default dump name; always a known stem. */
export const defaultStem = 'ovena-db-backup';
/** The restore's safety dumps (`pre-restore-<UTC>.sql.gz`): their own policy, never a GFS stem. */
export const safetyStem = 'pre-restore';

const tailPattern = /^\d{8}T\d{6}Z\.sql$/;

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

/** `x.sql` → `x-20261127T040000Z.sql` (the backup adds .gz or .zst: publishedDumpName). */
export function timestampedFileName(fileName: string, ms: number): string {
  return `${stemOf(fileName)}-${formatStamp(ms)}.sql`;
}

export type StampedName = { stem: string; timeMs: number };

/**
 * The stem and time of `STEM-YYYYMMDDTHHMMSSZ.sql` plus a known compression's extension (.gz,
 * .zst: dumps/compression.ts); undefined for anything else.
 */
export function parseStampedName(name: string): StampedName | undefined {
  // The stamp follows the last "-": no backtracking regex over the stem (10,000 names per listing).
  const dash = name.lastIndexOf('-');
  if (dash <= 0 || compressionOfFile(name) === undefined) return undefined;
  if (!tailPattern.test(withoutCompression(name.slice(dash + 1)))) return undefined;
  const at = (from: number, length: number) =>
    Number(name.slice(dash + 1 + from, dash + 1 + from + length));
  const [year, month, day, hour, minute, second] = [
    at(0, 4),
    at(4, 2),
    at(6, 2),
    at(9, 2),
    at(11, 2),
    at(13, 2),
  ];
  // A time that does not exist (20260230, 25h) is a hand-made name, not ours. Plain arithmetic:
  // a Date round trip per name would cost more than the rest of the parsing.
  const daysInMonth = month === 2 ? (isLeapYear(year) ? 29 : 28) : monthDays[month - 1];
  if (daysInMonth === undefined || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return {
    stem: name.slice(0, dash),
    timeMs: Date.UTC(year, month - 1, day, hour, minute, second),
  };
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
