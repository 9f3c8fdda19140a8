import { type LoadOptions, loadDump } from './load-dump.ts';
import type { PgTarget } from './pg-target.ts';
import { type PostData, postDataHeaderRegex, splitPostData } from './post-data.ts';

/**
 * The fast load's first part: the dump's schema and data in ONE transaction (`psql -1`), so that
 * with wal_level=minimal each COPY into a table created in the same transaction writes no WAL.
 * In the same pass an awk sets the post-data section aside (with the dump's preamble of session
 * settings) in a file inside the container; it is read back and split into items for the
 * parallel builder (post-data-runner.ts). awk is in every Debian-based image (mawk is essential).
 */
const splitProgram = `
post { print > out; next }
$0 ~ header { post = 1; print > out; next }
!seen && /^-- Name: / { seen = 1 }
!seen && !/^\\\\/ && !/^--/ { print > out }
{ print }
`;

export function postDataFile(pid: string | number = '$$'): string {
  return `/tmp/ovena-post-data-${pid}.sql`;
}

/** Loads schema and data; returns the post-data section, split into items. */
export async function loadSchemaAndData(
  target: PgTarget,
  path: string,
  options: LoadOptions,
): Promise<PostData> {
  const file = `/tmp/ovena-post-data-${process.pid}-${Date.now().toString(36)}.sql`;
  await loadDump(target, path, {
    ...options,
    consumer: {
      // awk | psql -1: the split runs beside the load; psql's status is the pipeline's.
      script: `awk -v out="${file}" -v header='${postDataHeaderRegex}' '${splitProgram.replaceAll("'", "'\\''")}' | psql -X -q -1 -v ON_ERROR_STOP=1 -U "$user" -d "$db" -f - >/dev/null`,
    },
  });
  try {
    return splitPostData(await target.capture(['cat', file], options.signal));
  } finally {
    await target.capture(['rm', '-f', file]).catch(() => undefined);
  }
}

/** ANALYZE of every table, in parallel sessions (vacuumdb of the server's own image). */
export async function analyzeAll(
  target: PgTarget,
  sessions: number,
  signal: AbortSignal,
): Promise<void> {
  await target.capture(
    [
      'vacuumdb',
      '-q',
      '--analyze-only',
      '-j',
      String(Math.max(1, sessions)),
      '-U',
      target.user,
      '-d',
      target.database,
    ],
    signal,
  );
}

/** The relations' sizes in pages (after the data is in), so the builder starts with the largest. */
export async function tableSizes(
  target: PgTarget,
  signal: AbortSignal,
): Promise<Map<string, number>> {
  const output = await target.capture(
    [
      'psql',
      '-X',
      '-q',
      '-A',
      '-t',
      '-F',
      '\t',
      '-U',
      target.user,
      '-d',
      target.database,
      '-c',
      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','m') AND n.nspname NOT IN ('pg_catalog','information_schema')",
    ],
    signal,
  );
  const sizes = new Map<string, number>();
  for (const line of output.split('\n')) {
    const [name, size] = line.split('\t');
    if (name && size) sizes.set(name, Number(size));
  }
  return sizes;
}
