/**
 * Names the statement that failed from psql's error output (psql -f - with ON_ERROR_STOP):
 *
 *   psql:<stdin>:890: ERROR:  extra data after last expected column
 *   CONTEXT:  COPY resources, line 3: "3	2	extra	…"
 *   LINE 1: select * from nosuch
 *
 * psql's line number is where it stopped reading (for COPY: the end of the data block), so a COPY
 * error is located by its data line counted from the COPY statement's own line, when the dump's
 * scan found it.
 */
export type LoadFailure = {
  /** psql's input line where it stopped. */
  psqlLine: number | undefined;
  /** The dump's line of the failing COPY row, when known. */
  dumpLine: number | undefined;
  /** e.g. "extra data after last expected column" */
  error: string;
  /** e.g. COPY resources, line 3 */
  copy: { table: string; line: number } | undefined;
};

export function parseLoadFailure(stderr: readonly string[]): LoadFailure | undefined {
  let failure: LoadFailure | undefined;
  for (const raw of stderr) {
    const line = raw.trimEnd();
    const error = /^psql:[^:]*:(\d+): (?:ERROR|FATAL):\s+(.*)$/.exec(line);
    if (error && !failure) {
      failure = {
        psqlLine: Number(error[1]),
        dumpLine: undefined,
        error: error[2] ?? '',
        copy: undefined,
      };
      continue;
    }
    const bare = /^(?:ERROR|FATAL):\s+(.*)$/.exec(line);
    if (bare && !failure) {
      failure = { psqlLine: undefined, dumpLine: undefined, error: bare[1] ?? '', copy: undefined };
      continue;
    }
    const copy = /^CONTEXT:\s+COPY ([^,]+), line (\d+)/.exec(line);
    if (copy && failure && !failure.copy) {
      failure.copy = { table: copy[1] ?? '?', line: Number(copy[2]) };
    }
  }
  return failure;
}

/** Finds the dump line of a COPY row from the line of its COPY statement (by table name). */
export function locateCopyRow(
  failure: LoadFailure,
  copyLines: ReadonlyMap<string, number> | undefined,
): LoadFailure {
  if (!failure.copy || !copyLines) return failure;
  const wanted = failure.copy.table;
  for (const [table, line] of copyLines) {
    const bare = table.split('.').pop()?.replaceAll('"', '');
    if (table === wanted || bare === wanted) {
      return { ...failure, dumpLine: line + failure.copy.line };
    }
  }
  return failure;
}

/** One sentence: where the dump fails to load and PostgreSQL's reason. */
export function describeLoadFailure(failure: LoadFailure, dumpName: string): string {
  const where = failure.copy
    ? `line ${failure.dumpLine ?? `~${failure.psqlLine ?? '?'}`} of ${dumpName} (COPY ${failure.copy.table}, data row ${failure.copy.line})`
    : `the statement ending at line ${failure.psqlLine ?? '?'} of ${dumpName}`;
  return `${dumpName} does not load: ${where}: ${failure.error}`;
}
