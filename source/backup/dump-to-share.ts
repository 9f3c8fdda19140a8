import { randomBytes } from 'node:crypto';
import { ExecaError } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { backupDir, publishedDumpName, temporaryPrefix } from '../dumps/dump-name.ts';
import { verifyDumpInContainer } from '../dumps/verify-dump.ts';
import { ExitCode, OvenaError } from '../errors.ts';

/**
 * gzip level 1: compression, not pg_dump, is the bottleneck (GUIDE §7: `pg_dump | gzip -1` 9.1 s,
 * `| gzip` (-6) 16.0 s, the original `pg_dump > f && gzip f` 17.7 s, for a file only ~3 % larger).
 * Level 6 would be barely faster than the original method; level 1 is about twice as fast.
 */
export const gzipLevel = 1;

export type DumpProgress = {
  /** Tables whose contents pg_dump has started dumping, out of `tablesTotal` (catalog count). */
  tablesDone: number;
  tablesTotal: number | undefined;
  currentTable: string | undefined;
  /** Compressed bytes written to the temporary file so far. */
  bytes: number;
};

export type DumpResult = {
  /** Final path inside the db container, e.g. /mnt/backup/ovena-db-backup.sql.gz. */
  file: string;
  sizeBytes: number;
  durationMs: number;
};

export type DumpOptions = {
  /** The dump name as given to --file (validated here again): the result is NAME.gz. */
  fileName: string;
  signal?: AbortSignal;
  onProgress?: (progress: DumpProgress) => void;
};

/**
 * Runs inside the db container (dash: no pipefail). pg_dump's exit status crosses the pipe through
 * fd 3 into a command substitution; the pipeline's own status is gzip's. A background loop prints
 * the temporary file's size once a second on stderr, so progress needs no extra `docker exec`.
 * Exit codes: 20 pg_dump failed, 21 gzip failed (e.g. disk full), 22 sync failed.
 */
export const dumpScript = `
tmp="$1"; user="$2"; db="$3"; level="$4"
umask 077
trap 'rm -f -- "$tmp"; exit 143' TERM INT HUP
( while sleep 1; do printf 'ovena-size %s\\n' "$(stat -c %s -- "$tmp" 2>/dev/null || echo 0)" >&2; done ) &
loop=$!
pgstatus=$( { { pg_dump --verbose -U "$user" -d "$db" 3>&-; echo $? >&3; } | gzip -"$level" -c 3>&- > "$tmp"; } 3>&1 )
gzstatus=$?
kill "$loop" 2>/dev/null
wait "$loop" 2>/dev/null
if [ "$pgstatus" != 0 ]; then rm -f -- "$tmp"; echo "ovena-fail pg_dump exit status \${pgstatus:-unknown}" >&2; exit 20; fi
if [ "$gzstatus" != 0 ]; then rm -f -- "$tmp"; echo "ovena-fail gzip exit status $gzstatus" >&2; exit 21; fi
sync -- "$tmp" || { rm -f -- "$tmp"; echo "ovena-fail sync" >&2; exit 22; }
printf 'ovena-size %s\\n' "$(stat -c %s -- "$tmp")" >&2
exit 0
`;

/** Atomic publish: rename in the same folder (never into a directory: -T), then flush the folder. */
export const publishScript = `
tmp="$1"; final="$2"; dir="$3"
mv -f -T -- "$tmp" "$final" || exit 30
sync -- "$dir" 2>/dev/null || sync
stat -c %s -- "$final"
`;

/** Counts the tables whose contents pg_dump writes (ordinary tables outside the system schemas). */
export const countTablesSql =
  "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";

export function temporaryName(fileName: string, pid = process.pid): string {
  return `${temporaryPrefix}${fileName}.${pid}.${randomBytes(4).toString('hex')}.gz`;
}

/** Parses one stderr line of the dump script into a progress change. */
export function parseDumpStderr(
  line: string,
):
  | { kind: 'size'; bytes: number }
  | { kind: 'table'; name: string }
  | { kind: 'error'; message: string }
  | { kind: 'fail'; message: string }
  | undefined {
  const size = /^ovena-size (\d+)$/.exec(line.trim());
  if (size?.[1]) return { kind: 'size', bytes: Number(size[1]) };
  const table = /^pg_dump: dumping contents of table "?([^"]+)"?/.exec(line.trim());
  if (table?.[1]) return { kind: 'table', name: table[1] };
  const error = /^pg_dump: (?:error|fatal): (.*)$/.exec(line.trim());
  if (error?.[1]) return { kind: 'error', message: error[1] };
  const fail = /^ovena-fail (.*)$/.exec(line.trim());
  if (fail?.[1]) return { kind: 'fail', message: fail[1] };
  // gzip's own complaint, e.g. "gzip: stdout: No space left on device".
  const gzip = /^gzip: (.*)$/.exec(line.trim());
  if (gzip?.[1]) return { kind: 'error', message: `gzip: ${gzip[1]}` };
  return undefined;
}

export async function countTables(compose: Compose, signal?: AbortSignal): Promise<number> {
  const { dbService, dbUser, dbName } = compose.project;
  const text = await compose.execCapture(
    dbService,
    ['psql', '-X', '-At', '-U', dbUser, '-d', dbName, '-c', countTablesSql],
    signal ? { signal } : {},
  );
  const count = Number(text.trim());
  return Number.isFinite(count) ? count : 0;
}

async function removeQuietly(compose: Compose, path: string): Promise<void> {
  try {
    await compose.execCapture(compose.project.dbService, ['rm', '-f', '--', path]);
  } catch {
    // Container gone: the next run removes the stale temporary file.
  }
}

/**
 * Step 1 of 3: pg_dump | gzip into a temporary file in the share, flushed to disk. The data never
 * leaves the db container. On failure or abort the pipeline is killed and the file removed; the
 * published NAME.gz is never touched.
 */
export async function dumpToTemporary(
  compose: Compose,
  options: DumpOptions & { temporaryPath: string },
): Promise<{ sizeBytes: number }> {
  const { dbService, dbUser, dbName } = compose.project;
  const { signal, onProgress, temporaryPath } = options;
  let tablesTotal: number | undefined;
  try {
    tablesTotal = await countTables(compose, signal);
  } catch (error) {
    signal?.throwIfAborted();
    throw dumpError(error, 'counting tables');
  }
  const progress: DumpProgress = {
    tablesDone: 0,
    tablesTotal,
    currentTable: undefined,
    bytes: 0,
  };
  let lastError: string | undefined;
  let failure: string | undefined;
  onProgress?.({ ...progress });
  try {
    await compose.execStream(
      dbService,
      ['sh', '-c', dumpScript, 'ovena-backup', temporaryPath, dbUser, dbName, String(gzipLevel)],
      {
        ...(signal ? { signal } : {}),
        onStderrLine: (line) => {
          const parsed = parseDumpStderr(line);
          if (!parsed) return;
          if (parsed.kind === 'size') progress.bytes = parsed.bytes;
          else if (parsed.kind === 'table') {
            progress.tablesDone++;
            progress.currentTable = parsed.name;
            if (progress.tablesTotal !== undefined && progress.tablesDone > progress.tablesTotal)
              progress.tablesTotal = progress.tablesDone;
          } else if (parsed.kind === 'error') lastError = parsed.message;
          else failure = parsed.message;
          if (parsed.kind === 'size' || parsed.kind === 'table') onProgress?.({ ...progress });
        },
      },
    );
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    if (lastError || failure) {
      const what = failure?.startsWith('gzip') ? 'compressing the dump' : 'pg_dump';
      throw new OvenaError(`${what} failed: ${lastError ?? failure}`, ExitCode.failed, {
        cause: error,
      });
    }
    throw dumpError(error, 'pg_dump');
  }
  return { sizeBytes: progress.bytes };
}

function dumpError(error: unknown, what: string): unknown {
  if (error instanceof OvenaError) return error;
  if (error instanceof ExecaError) {
    const text: unknown = error.stderr;
    const stderr = typeof text === 'string' ? text.trim().split('\n').at(-1) : '';
    return new OvenaError(`${what} failed: ${stderr || error.shortMessage}`, ExitCode.failed, {
      cause: error,
    });
  }
  return error;
}

/** Step 3 of 3: atomic rename over NAME.gz, folder flushed. Returns the published size. */
export async function publishDump(
  compose: Compose,
  temporaryPath: string,
  finalPath: string,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const size = await compose.execCapture(
      compose.project.dbService,
      ['sh', '-c', publishScript, 'ovena-publish', temporaryPath, finalPath, backupDir],
      signal ? { signal } : {},
    );
    return Number(size.trim());
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    throw dumpError(error, `renaming the dump to ${finalPath}`);
  }
}

export function finalPathOf(fileName: string): string {
  return `${backupDir}/${publishedDumpName(fileName)}`;
}

/** Step 2 of 3: the temporary file must be a complete dump before it may replace anything. */
export async function verifyTemporary(
  compose: Compose,
  temporaryPath: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await verifyDumpInContainer(compose, temporaryPath, signal);
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    throw error;
  }
}
