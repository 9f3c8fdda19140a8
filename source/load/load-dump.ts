import { ExitCode, OvenaError } from '../errors.ts';
import { describeLoadFailure, locateCopyRow, parseLoadFailure } from './load-error.ts';
import type { PgTarget } from './pg-target.ts';
import { positionOf, readerFragment } from './reader-script.ts';

/**
 * The one loader of plain pg_dump text (gzip, zstd or uncompressed) into a PostgreSQL in a
 * container: restore, drill and a future load beside the live database all call it. The file is
 * read where it lies, decompressed and piped into the container's own psql with ON_ERROR_STOP
 * (`-f -`, so psql names the input line of an error). psql's own output goes to /dev/null so
 * stdout carries only the reader's `ovena-pos` lines.
 */
const loadScript = `
f="$1"; user="$2"; db="$3"; consumer="$4"
export user db
${readerFragment}
ovena_read sh -c "$consumer"
status=$?
ovena_read_end
[ "$status" -eq 0 ] || exit "$status"
[ "$rc" = 0 ] || { echo "ovena-read-failed $rc" >&2; exit 70; }
echo "ovena-pos done"
`;

export type LoadOptions = {
  signal: AbortSignal;
  /** Compressed bytes read so far (about once a second). */
  onPosition(bytes: number): void;
  onStderrLine?(line: string): void;
  /** Dump line of each COPY statement by table (from the scan), to name a failing row's line. */
  copyLines?: ReadonlyMap<string, number>;
  /** The name used in messages; default the path's last part. */
  dumpName?: string;
  /**
   * What reads the decompressed text on stdin (a shell command; $user and $db are set), e.g. the
   * fast load's transaction per table and its post-data file. Default: psql with ON_ERROR_STOP.
   */
  consumer?: { script: string };
};

const plainConsumer = 'psql -X -q -v ON_ERROR_STOP=1 -U "$user" -d "$db" -f - >/dev/null';

/**
 * Loads the dump at `path` (inside the target's container). A failed statement becomes an
 * OvenaError (65) naming the dump line and PostgreSQL's reason; an abort kills the whole process
 * group inside the container (execStream's careful group kill).
 */
export async function loadDump(
  target: PgTarget,
  path: string,
  options: LoadOptions,
): Promise<void> {
  const stderr: string[] = [];
  const name = options.dumpName ?? path.split('/').pop() ?? path;
  try {
    await target.stream(
      [
        'sh',
        '-c',
        loadScript,
        'ovena-load',
        path,
        target.user,
        target.database,
        options.consumer?.script ?? plainConsumer,
      ],
      {
        signal: options.signal,
        onStdoutLine: (line) => {
          const bytes = positionOf(line);
          if (bytes !== undefined) options.onPosition(bytes);
        },
        onStderrLine: (line) => {
          // The last lines: psql stops at the first error, after any number of notices and
          // (the fast load's) table reports.
          stderr.push(line);
          if (stderr.length > 200) stderr.shift();
          options.onStderrLine?.(line);
        },
      },
    );
  } catch (error) {
    if (options.signal.aborted) throw error;
    const failure = parseLoadFailure(stderr);
    if (failure) {
      throw new OvenaError(
        describeLoadFailure(locateCopyRow(failure, options.copyLines), name),
        ExitCode.dataError,
        { cause: error },
      );
    }
    const read = stderr.map((line) => /^ovena-read-failed (\d+)$/.exec(line.trim())).find(Boolean);
    if (read) {
      throw new OvenaError(
        `reading ${name} failed (exit ${read[1]}): the file is truncated or corrupt`,
        ExitCode.dataError,
        { cause: error },
      );
    }
    throw error;
  }
}
