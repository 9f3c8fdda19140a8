import { failedCheckOf, verifyFailureError } from '../dumps/verify-dump.ts';
import type { PgTarget } from './pg-target.ts';
import { postDataHeaderRegex } from './post-data.ts';
import { awkCopyTable, awkDataHeader, positionOf, readerFragment } from './reader-script.ts';

/** Orthanc's index counts, from the `resources` table (resourcetype 0..3). */
export type IndexCounts = { patients: number; studies: number; series: number; instances: number };

/** What one streaming pass over a dump found, besides proving it whole. */
export type DumpScan = {
  /** Every COPY block: the table as the dump names it, its rows, and the COPY statement's line. */
  tables: Array<{ table: string; rows: number; line: number }>;
  /** From the `public.resources` COPY block; undefined when the dump has none (not Orthanc's). */
  counts: IndexCounts | undefined;
  /** Orthanc's schema version (globalproperties property 1), when present. */
  schemaVersion: string | undefined;
  lines: number;
  /**
   * The dump's session settings (its first lines) and its whole post-data section, as text for
   * splitPostData: the loader builds those items while the data still loads.
   */
  postData: string;
};

/**
 * One pass, inside the container that sees the share: the same checks as the backup's verify
 * (complete compressed stream, pg_dump header, completion comment among the last lines), plus
 * the row count of every COPY block (one under a "TABLE DATA" header: not a COPY line in a
 * function's body) and the resource types of the `resources` block. awk is in
 * every Debian-based image (mawk is essential).
 */
const awkProgram = `
BEGIN { FS = "\\t" }
NR <= 20 && $0 == "-- PostgreSQL database dump" { header = 1 }
incopy {
  if ($0 == "\\\\.") { printf "ovena-table\\t%s\\t%d\\t%d\\n", table, rows, copyline; incopy = 0; next }
  rows++
  if (rescol) types[$rescol]++
  else if (props && $1 == "1") schema = $2
  next
}
/^-- / { data = ($0 ~ ${awkDataHeader}) }
data && /^COPY / {
  ${awkCopyTable}
  cols = $0; rescol = 0; props = 0
  if (cols ~ /\\(/) { sub(/^[^(]*\\(/, "", cols); sub(/\\).*$/, "", cols) } else cols = ""
  n = split(cols, names, ", ")
  if (table == "public.resources") for (i = 1; i <= n; i++) if (names[i] == "resourcetype") rescol = i
  if (table == "public.globalproperties" && names[1] == "property" && names[2] == "value") props = 1
  incopy = 1; rows = 0; copyline = NR; next
}
$0 == "-- PostgreSQL database dump complete" { complete = NR }
!post && $0 ~ postheader { post = 1 }
post { print "ovena-post\\t" $0; next }
!named && /^-- Name: / { named = 1 }
!named && $0 !~ /^\\\\/ && $0 !~ /^--/ && $0 != "" { print "ovena-pre\\t" $0 }
END {
  if ((getline rc < rcfile) <= 0) rc = 1
  if (rc != 0) exit 13
  if (!header) exit 14
  if (!complete || NR - complete > 40) exit 15
  for (t in types) printf "ovena-resources\\t%s\\t%d\\n", t, types[t]
  if (schema != "") printf "ovena-schema\\t%s\\n", schema
  printf "ovena-lines\\t%d\\n", NR
}
`;

const scanScript = `
fail() { echo "ovena-verify-failed $1" >&2; exit "$1"; }
f="$1"
[ -e "$f" ] || fail 10
[ -r "$f" ] || fail 11
[ -s "$f" ] || fail 12
${readerFragment}
ovena_read awk -v rcfile="$pidf.rc" -v postheader="$2" "$0"
status=$?
ovena_read_end
[ "$status" -eq 0 ] || fail "$status"
`;

export type ScanOptions = {
  signal?: AbortSignal;
  onPosition?(bytes: number): void;
};

export function parseScanOutput(lines: readonly string[]): DumpScan {
  const tables: DumpScan['tables'] = [];
  const types = new Map<string, number>();
  let schemaVersion: string | undefined;
  let total = 0;
  const preamble: string[] = [];
  const post: string[] = [];
  for (const line of lines) {
    // Dump text: everything after the first tab, tabs included.
    if (line.startsWith('ovena-pre\t')) {
      preamble.push(line.slice('ovena-pre\t'.length));
      continue;
    }
    if (line.startsWith('ovena-post\t')) {
      post.push(line.slice('ovena-post\t'.length));
      continue;
    }
    const [kind, a = '', b = '', c = ''] = line.split('\t');
    if (kind === 'ovena-table') tables.push({ table: a, rows: Number(b), line: Number(c) });
    else if (kind === 'ovena-resources') types.set(a, Number(b));
    else if (kind === 'ovena-schema') schemaVersion = a;
    else if (kind === 'ovena-lines') total = Number(a);
  }
  const hasResources = tables.some((entry) => entry.table === 'public.resources');
  return {
    tables,
    counts: hasResources
      ? {
          patients: types.get('0') ?? 0,
          studies: types.get('1') ?? 0,
          series: types.get('2') ?? 0,
          instances: types.get('3') ?? 0,
        }
      : undefined,
    schemaVersion,
    lines: total,
    postData: [...preamble, ...post].join('\n'),
  };
}

/**
 * Proves the dump whole and counts what it holds, in one streaming pass inside the target's
 * container. Throws an OvenaError naming the failed check (65; 66 when the file is missing).
 */
export async function scanDump(
  target: Pick<PgTarget, 'stream'>,
  path: string,
  options: ScanOptions = {},
): Promise<DumpScan> {
  const output: string[] = [];
  let failedCheck: number | undefined;
  try {
    // The awk program travels as the script's $0: never through a shell string.
    await target.stream(['sh', '-c', scanScript, awkProgram, path, postDataHeaderRegex], {
      ...(options.signal ? { signal: options.signal } : {}),
      onStdoutLine: (line) => {
        const bytes = positionOf(line);
        if (bytes !== undefined) options.onPosition?.(bytes);
        else if (line.startsWith('ovena-')) output.push(line);
      },
      onStderrLine: (line) => {
        failedCheck = failedCheckOf(line) ?? failedCheck;
      },
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw verifyFailureError(path, failedCheck) ?? error;
  }
  return parseScanOutput(output);
}

/** "the archive now has 2 instances more than the dump" style comparison, one clause per kind. */
export function describeDifference(now: IndexCounts, dump: IndexCounts): string {
  const parts: string[] = [];
  for (const kind of ['patients', 'studies', 'series', 'instances'] as const) {
    const delta = now[kind] - dump[kind];
    if (delta !== 0) {
      const singular = {
        patients: 'patient',
        studies: 'study',
        series: 'series',
        instances: 'instance',
      }[kind];
      parts.push(
        `${Math.abs(delta)} ${Math.abs(delta) === 1 ? singular : kind} ${delta > 0 ? 'more' : 'fewer'}`,
      );
    }
  }
  if (parts.length === 0) return 'the archive now holds the same counts as the dump';
  const more = now.instances > dump.instances;
  return `the archive now has ${parts.join(', ')} than the dump${more ? ': they will leave the index; their files stay on the share' : ''}`;
}
