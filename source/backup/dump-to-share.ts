import { randomBytes } from 'node:crypto';
import { ExecaError } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { type Compression, compressionFacts, compressions } from '../dumps/compression.ts';
import { backupDir, publishedDumpName, temporaryPrefix } from '../dumps/dump-name.ts';
import { verifyDumpInContainer } from '../dumps/verify-dump.ts';
import { ExitCode, OvenaError } from '../errors.ts';

/**
 * gzip level 1: compression, not pg_dump, is the bottleneck (GUIDE §7: `pg_dump | gzip -1` 9.1 s,
 * `| gzip` (-6) 16.0 s, the original `pg_dump > f && gzip f` 17.7 s, for a file only ~3 % larger).
 * Level 6 would be barely faster than the original method; level 1 is about twice as fast.
 */
export const gzipLevel = 1;
/**
 * Parallel gzip cuts pg_dump's output into chunks of this size in the container's own temporary
 * space (never the NAS) and compresses them on every CPU; each becomes one gzip member, appended
 * in order, so the file is one ordinary .gz that `gunzip -c` reads whole.
 */
export const chunkBytes = 32 * 1024 * 1024;

/** The chunk size, tunable with OVENA_GZIP_CHUNK_BYTES (at least 64 KiB; tests use small ones). */
export function chunkBytesFrom(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.OVENA_GZIP_CHUNK_BYTES);
  return Number.isInteger(value) && value >= 65_536 ? value : chunkBytes;
}
/** zstd's fast level: on every CPU (-T0) it outruns pg_dump itself. */
export const zstdLevel = 1;

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
  /** A same-name dump of the other compression that this one superseded and removed. */
  superseded?: string;
};

export type DumpOptions = {
  /** The dump name as given to --file (validated here again): the result is NAME.gz or NAME.zst. */
  fileName: string;
  compression?: Compression;
  signal?: AbortSignal;
  onProgress?: (progress: DumpProgress) => void;
};

/**
 * Runs inside the db container (dash: no pipefail). pg_dump's exit status crosses the pipe through
 * fd 3 into a command substitution; the pipeline's own status is the compressor's. A background
 * loop prints the temporary file's size once a second on stderr, so progress needs no extra
 * `docker exec`. gzip with several CPUs: chunks of pg_dump's output are read into a scratch folder
 * in the container (at most one more than the workers, so the space is bounded), compressed in
 * parallel, and their members appended in order. zstd compresses on every CPU by itself.
 * Exit codes: 20 pg_dump failed, 21 writing to the share failed (e.g. disk full), 22 sync failed,
 * 24 the container's scratch space failed (e.g. full).
 */
export const dumpScript = `
tmp="$1"; user="$2"; db="$3"; compression="$4"; level="$5"; workers="$6"; chunk="$7"; scratch="$8"
umask 077
trap 'rm -f -- "$tmp"; rm -rf -- "$scratch"; exit 143' TERM INT HUP
flush() {
  set -- $pids; p=$1; shift; pids="$*"
  wait "$p" || return 24
  cat -- "$scratch/$next.gz" || return 21
  rm -f -- "$scratch/$next.gz"; next=$((next + 1))
}
pgzip() {
  mkdir -m 700 -- "$scratch" || return 24
  i=0; next=0; pids=""
  while :; do
    head -c "$chunk" > "$scratch/$i" || return 24
    [ -s "$scratch/$i" ] || { rm -f -- "$scratch/$i"; break; }
    { gzip -"$level" -c < "$scratch/$i" > "$scratch/$i.gz" && rm -f -- "$scratch/$i"; } &
    pids="$pids $!"; i=$((i + 1))
    set -- $pids
    if [ "$#" -ge "$workers" ]; then flush || return $?; fi
  done
  while [ -n "$pids" ]; do flush || return $?; done
  rmdir -- "$scratch"
}
compress() {
  case "$compression" in
    zstd) zstd -q -"$level" -T0 -c || return 21 ;;
    *) if [ "$workers" -gt 1 ]; then pgzip; else gzip -"$level" -c || return 21; fi ;;
  esac
}
( while sleep 1; do printf 'ovena-size %s\\n' "$(stat -c %s -- "$tmp" 2>/dev/null || echo 0)" >&2; done ) &
loop=$!
pgstatus=$( { { pg_dump --verbose -U "$user" -d "$db" 3>&-; echo $? >&3; } | compress 3>&- > "$tmp"; } 3>&1 )
zstatus=$?
kill "$loop" 2>/dev/null
wait "$loop" 2>/dev/null
if [ "$zstatus" != 0 ]; then
  rm -f -- "$tmp"; rm -rf -- "$scratch"
  case "$zstatus" in
    24) echo "ovena-fail scratch $compression could not use the container's scratch space $scratch" >&2; exit 24 ;;
    *) echo "ovena-fail share $compression could not write to the backup share" >&2; exit 21 ;;
  esac
fi
if [ "$pgstatus" != 0 ]; then rm -f -- "$tmp"; echo "ovena-fail pg_dump exit status \${pgstatus:-unknown}" >&2; exit 20; fi
sync -- "$tmp" || { rm -f -- "$tmp"; echo "ovena-fail sync" >&2; exit 22; }
printf 'ovena-size %s\\n' "$(stat -c %s -- "$tmp")" >&2
exit 0
`;

/** Atomic publish: rename in the same folder (never into a directory: -T), then flush the folder. */
export const publishScript = `
tmp="$1"; final="$2"; dir="$3"; shift 3
mv -f -T -- "$tmp" "$final" || exit 30
sync -- "$dir" 2>/dev/null || sync
stat -c %s -- "$final"
# Only once the new dump is published: the same name's other compression is superseded.
for old in "$@"; do
  [ -f "$old" ] || continue
  rm -f -- "$old" && echo "ovena-superseded $old"
done
[ "$#" -eq 0 ] || sync -- "$dir" 2>/dev/null || sync
`;

/** Counts the tables whose contents pg_dump writes (ordinary tables outside the system schemas). */
export const countTablesSql =
  "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";

export function temporaryName(
  fileName: string,
  compression: Compression = 'gzip',
  pid = process.pid,
): string {
  const extension = compressionFacts[compression].extension;
  return `${temporaryPrefix}${fileName}.${pid}.${randomBytes(4).toString('hex')}${extension}`;
}

/** The scratch folder of a temporary dump, in the db container's own temporary space. */
export function scratchPathOf(temporaryPath: string): string {
  return `/tmp/ovena-chunks-${temporaryPath.split('/').at(-1) ?? 'dump'}`;
}

/** CPUs the db container may use: parallel gzip runs one worker on each. */
export const countCpusScript = 'nproc 2>/dev/null || echo 1';

/** Parses one stderr line of the dump script into a progress change. */
export function parseDumpStderr(
  line: string,
):
  | { kind: 'size'; bytes: number }
  | { kind: 'table'; name: string }
  | { kind: 'error'; message: string }
  | { kind: 'tool'; message: string }
  | { kind: 'fail'; where: 'share' | 'scratch' | 'other'; message: string }
  | undefined {
  const text = line.trim();
  const size = /^ovena-size (\d+)$/.exec(text);
  if (size?.[1]) return { kind: 'size', bytes: Number(size[1]) };
  const table = /^pg_dump: dumping contents of table "?([^"]+)"?/.exec(text);
  if (table?.[1]) return { kind: 'table', name: table[1] };
  const error = /^pg_dump: (?:error|fatal): (.*)$/.exec(text);
  if (error?.[1]) return { kind: 'error', message: error[1] };
  const fail = /^ovena-fail (?:(share|scratch) )?(.*)$/.exec(text);
  if (fail?.[2]) {
    const where = fail[1] === 'share' || fail[1] === 'scratch' ? fail[1] : 'other';
    return { kind: 'fail', where, message: fail[2] };
  }
  // A compressor's or a shell tool's own complaint, e.g. "gzip: stdout: No space left on device".
  const tool = /^(gzip|zstd|head|cat|mkdir|sh): (.*)$/.exec(text);
  if (tool?.[2]) return { kind: 'tool', message: `${tool[1]}: ${tool[2]}` };
  return undefined;
}

/**
 * One sentence for a failed dump: which program failed, and for a write error which disk (the
 * backup share, or the db container's scratch space) and what the system said.
 */
export function describeDumpFailure(parts: {
  where: 'share' | 'scratch' | 'other' | undefined;
  failure: string | undefined;
  toolError: string | undefined;
  pgError: string | undefined;
}): string {
  const { where, failure, toolError, pgError } = parts;
  const full = toolError ? /no space left on device/i.test(toolError) : false;
  if (where === 'share') {
    const program = failure?.split(' ')[0] ?? 'the compressor';
    return `${program} could not write the dump to the backup share ${backupDir}${toolError ? ` (${toolError})` : ''}${full ? ': the backup share is full' : ''}`;
  }
  if (where === 'scratch') {
    return `${failure ?? "the container's scratch space failed"}${toolError ? ` (${toolError})` : ''}${full ? ": the db container's disk is full" : ''}`;
  }
  return `pg_dump failed: ${pgError ?? failure ?? toolError ?? 'unknown error'}`;
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
    await compose.execCapture(compose.project.dbService, [
      'rm',
      '-rf',
      '--',
      path,
      scratchPathOf(path),
    ]);
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
  let pgError: string | undefined;
  let toolError: string | undefined;
  let failure: string | undefined;
  let where: 'share' | 'scratch' | 'other' | undefined;
  onProgress?.({ ...progress });
  const compression = options.compression ?? 'gzip';
  const workers = compression === 'gzip' ? await countCpus(compose, signal) : 1;
  try {
    await compose.execStream(
      dbService,
      [
        'sh',
        '-c',
        dumpScript,
        'ovena-backup',
        temporaryPath,
        dbUser,
        dbName,
        compression,
        String(compression === 'zstd' ? zstdLevel : gzipLevel),
        String(workers),
        String(chunkBytesFrom()),
        scratchPathOf(temporaryPath),
      ],
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
          } else if (parsed.kind === 'error') pgError = parsed.message;
          else if (parsed.kind === 'tool') toolError ??= parsed.message;
          else {
            failure = parsed.message;
            where = parsed.where;
          }
          if (parsed.kind === 'size' || parsed.kind === 'table') onProgress?.({ ...progress });
        },
      },
    );
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    if (pgError || failure || toolError) {
      throw new OvenaError(
        describeDumpFailure({ where, failure, toolError, pgError }),
        ExitCode.failed,
        { cause: error },
      );
    }
    throw dumpError(error, 'pg_dump');
  }
  return { sizeBytes: progress.bytes };
}

/** The db container's CPU count (1 when it cannot be read). */
async function countCpus(compose: Compose, signal?: AbortSignal): Promise<number> {
  try {
    const text = await compose.execCapture(
      compose.project.dbService,
      ['sh', '-c', countCpusScript, 'ovena-cpus'],
      signal ? { signal } : {},
    );
    const cpus = Number(text.trim());
    return Number.isInteger(cpus) && cpus > 0 ? Math.min(cpus, 16) : 1;
  } catch {
    signal?.throwIfAborted();
    return 1;
  }
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

/**
 * Step 3 of 3: atomic rename over the final name, folder flushed; then the `supersede` files (the
 * same name's other compression) are removed. Returns the published size and what was removed.
 */
export async function publishDump(
  compose: Compose,
  temporaryPath: string,
  finalPath: string,
  signal?: AbortSignal,
  supersede: string[] = [],
): Promise<{ sizeBytes: number; superseded: string[] }> {
  let text: string;
  try {
    text = await compose.execCapture(
      compose.project.dbService,
      [
        'sh',
        '-c',
        publishScript,
        'ovena-publish',
        temporaryPath,
        finalPath,
        backupDir,
        ...supersede,
      ],
      signal ? { signal } : {},
    );
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    throw dumpError(error, `renaming the dump to ${finalPath}`);
  }
  const lines = text.trim().split('\n');
  return {
    sizeBytes: Number(lines[0]),
    superseded: lines.flatMap((line) => {
      const match = /^ovena-superseded (.+)$/.exec(line.trim());
      return match?.[1] ? [match[1]] : [];
    }),
  };
}

export function finalPathOf(fileName: string, compression: Compression = 'gzip'): string {
  return `${backupDir}/${publishedDumpName(fileName, compression)}`;
}

/** The same name under the other compressions: a fixed-name backup supersedes them. */
export function supersededPathsOf(fileName: string, compression: Compression = 'gzip'): string[] {
  return compressions
    .filter((other) => other !== compression)
    .map((other) => finalPathOf(fileName, other));
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
