import { type LoadOptions, loadDump } from './load-dump.ts';
import type { PgTarget } from './pg-target.ts';
import { type PostData, postDataHeaderRegex, splitPostData } from './post-data.ts';
import { awkCopyTable, awkDataHeader } from './reader-script.ts';

/**
 * The fast load's first part: the dump's schema, then each table's data in a transaction of its
 * own that first empties the table (TRUNCATE gives it a new file), so that with wal_level=minimal
 * its COPY writes no WAL. After each COMMIT the server reports the table loaded (a WARNING, which
 * the dump's `client_min_messages = warning` lets through; not psql's `\warn`, which a dump's
 * `\restrict` forbids), by the COPY block's ordinal, and its index builds may start beside the
 * rest of the load (load-steps.ts). The COPY is a COPY FREEZE: its rows are written frozen and
 * the pages marked all-visible, so the index builds, ANALYZE and the foreign keys' checks do not
 * rewrite every page to set hint bits, and PostgreSQL never has to vacuum the restored archive to
 * freeze it later. That needs the TRUNCATE in the same transaction, so it is used where the block
 * loads the table its header names; a block pg_dump loads through a partitioned root (whose
 * TRUNCATE ONLY fails) keeps a plain COPY after a TRUNCATE that may fail, and loads with WAL.
 * A COPY block is one under a "TABLE DATA" header, as the dump scan counts them (the ordinals
 * are the scan's), so a COPY line in a function's body is left alone.
 * The added statements go at the start of lines the dump already has (the COPY line, the line
 * after `\.`), so psql's line numbers in errors stay the dump's.
 * In the same pass the post-data section is set aside (with the dump's preamble of session
 * settings) in a file inside the container, never sent to this psql. awk is in every
 * Debian-based image (mawk is essential).
 */
export const splitProgram = `
incopy {
  print
  if ($0 == "\\\\.") {
    incopy = 0
    pending = "COMMIT; DO $ovena$ BEGIN RAISE WARNING 'ovena-table-loaded " blocks "'; END $ovena$; "
  }
  next
}
post { print > out; next }
$0 ~ header { if (pending != "") print pending; pending = ""; post = 1; print > out; next }
/^-- / {
  data = ($0 ~ ${awkDataHeader})
  if (data) {
    named = $0; sub(/^-- Data for Name: /, "", named); sub(/; Type: .*$/, "", named)
    schema = $0; sub(/^.*; Schema: /, "", schema); sub(/;.*$/, "", schema)
    named = schema "." named
  }
}
data && /^COPY / {
  blocks++; incopy = 1
  ${awkCopyTable}
  bare = table; gsub(/"/, "", bare)
  if (bare == named && sub(/ FROM stdin;$/, " FROM stdin WITH (FREEZE);")) {
    print pending "BEGIN; TRUNCATE ONLY " table "; " $0
  } else {
    print pending "BEGIN; DO $ovena$ BEGIN TRUNCATE ONLY " table "; EXCEPTION WHEN OTHERS THEN NULL; END $ovena$; " $0
  }
  pending = ""; next
}
!seen && /^-- Name: / { seen = 1 }
!seen && !/^\\\\/ && !/^--/ { print > out }
{ print pending $0; pending = "" }
END { if (pending != "") print pending }
`;

const loadedPattern = /WARNING:\s+ovena-table-loaded (\d+)$/;

/**
 * Loads schema and data; returns the post-data section the load set aside, split into items.
 * `onTableLoaded` gets the ordinal (1-based) of each COPY block committed.
 */
export async function loadSchemaAndData(
  target: PgTarget,
  path: string,
  options: LoadOptions & { onTableLoaded?(ordinal: number): void },
): Promise<PostData> {
  const file = `/tmp/ovena-post-data-${process.pid}-${Date.now().toString(36)}.sql`;
  const { onTableLoaded, ...loadOptions } = options;
  await loadDump(target, path, {
    ...loadOptions,
    onStderrLine: (line) => {
      const loaded = loadedPattern.exec(line.trim());
      if (loaded) onTableLoaded?.(Number(loaded[1]));
      else options.onStderrLine?.(line);
    },
    consumer: {
      // awk | psql: the split runs beside the load; psql's status is the pipeline's.
      script: `awk -v out="${file}" -v header='${postDataHeaderRegex}' '${splitProgram.replaceAll("'", "'\\''")}' | psql -X -q -v ON_ERROR_STOP=1 -U "$user" -d "$db" -f - >/dev/null`,
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
