/**
 * Names of the databases a beside restore creates next to the live one: `<db>_restore_<UTC>`
 * while it loads, `<db>_before_<UTC>` for the previous database after the switch. PostgreSQL
 * truncates identifiers at 63 bytes (NAMEDATALEN - 1), so a long database name gets the short
 * tags `_r_`/`_b_`, and if that still does not fit, the database name itself is cut (on a
 * character boundary). The prefix depends only on the database name, so leftovers are found again.
 */
export const maxNameBytes = 63;

export type BesideKind = 'restore' | 'before';

const longTag: Record<BesideKind, string> = { restore: '_restore_', before: '_before_' };
const shortTag: Record<BesideKind, string> = { restore: '_r_', before: '_b_' };

/** `20261127T083500Z`: the UTC time of `now`, to the second. */
export function utcStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

const stampLength = utcStamp(new Date(0)).length;
const stampPattern = /^\d{8}T\d{6}Z$/;

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest start of `text` that fits in `limit` bytes of UTF-8 (never half a character). */
export function cutToBytes(text: string, limit: number): string {
  let out = '';
  for (const char of text) {
    if (bytes(out + char) > limit) break;
    out += char;
  }
  return out;
}

/** The part before the stamp: `<db>_restore_`, or a shortened form that leaves room for it. */
export function besidePrefix(database: string, kind: BesideKind): string {
  const long = `${database}${longTag[kind]}`;
  if (bytes(long) + stampLength <= maxNameBytes) return long;
  const tag = shortTag[kind];
  const room = maxNameBytes - stampLength - bytes(tag);
  return `${cutToBytes(database, room)}${tag}`;
}

export function besideName(database: string, kind: BesideKind, now: Date): string {
  return `${besidePrefix(database, kind)}${utcStamp(now)}`;
}

/** The stamp of a name made by besideName for this database and kind, else undefined. */
export function stampOf(name: string, database: string, kind: BesideKind): string | undefined {
  const prefix = besidePrefix(database, kind);
  if (!name.startsWith(prefix)) return undefined;
  const stamp = name.slice(prefix.length);
  return stampPattern.test(stamp) ? stamp : undefined;
}

/** The time a stamp stands for. */
export function stampTime(stamp: string): Date {
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  return new Date(iso);
}

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A quoted SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
