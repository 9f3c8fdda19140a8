import { backupDir } from '../dumps/dump-name.ts';

// The scripts a dump runs inside the db container, and how their stderr reads: plain text, no
// docker calls here (dump-to-share.ts runs them).

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
copysql="$9"
umask 077
trap 'rm -f -- "$tmp"; rm -rf -- "$scratch"; exit 143' TERM INT HUP
# Every worker is a gzip of its own (no wrapping subshell), waited for on every path: a child
# left to PID 1 (postgres in the official image) would be taken for a crashed backend.
drain() {
  for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=""
}
flush() {
  set -- $pids; p=$1; shift; pids="$*"
  wait "$p" || { drain; return 24; }
  rm -f -- "$scratch/$next"
  # Each member's size and CRC (cksum: "CRC SIZE"), in file order, taken from gzip's output
  # before it goes to the share: the verify reads each member back and compares. Without cksum,
  # the size alone (the verify then tests the members with gzip -t).
  if sum=$(cksum < "$scratch/$next.gz" 2>/dev/null); then
    printf 'ovena-member %s %s\\n' "\${sum#* }" "\${sum%% *}" >&2
  else
    printf 'ovena-member %s\\n' "$(stat -c %s -- "$scratch/$next.gz")" >&2
  fi
  cat -- "$scratch/$next.gz" || { drain; return 21; }
  rm -f -- "$scratch/$next.gz"; next=$((next + 1))
}
pgzip() {
  mkdir -m 700 -- "$scratch" || return 24
  i=0; next=0; pids=""
  while :; do
    head -c "$chunk" > "$scratch/$i" || { drain; return 24; }
    [ -s "$scratch/$i" ] || { rm -f -- "$scratch/$i"; break; }
    gzip -"$level" -c < "$scratch/$i" > "$scratch/$i.gz" &
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
# Once a second: where pg_dump's COPY stands, then (read together, back to back) the chunks read
# from pg_dump and those appended (parallel gzip) and the file's size; the sample counts when its
# size line comes (the progress is weighted by table sizes: dump-weights.ts).
sample() {
  [ -z "$copysql" ] || PGCONNECT_TIMEOUT=3 PGOPTIONS='-c statement_timeout=3000' \\
    psql -X -At -U "$user" -d "$db" -c "$copysql" >&2 2>/dev/null
  set -- $(ls -- "$scratch" 2>/dev/null | grep -E '^[0-9]+([.]gz)?$' | sed 's/[.]gz$//' | sort -n | uniq)
  if [ "$#" -gt 0 ]; then
    first=$1; for last; do :; done
    size=$(stat -c %s -- "$scratch/$last" 2>/dev/null || echo "$chunk")
    printf 'ovena-chunks %s %s\\n' $((last * chunk + size)) $((first * chunk)) >&2
  else
    echo 'ovena-chunks 0 0' >&2
  fi
  printf 'ovena-size %s\\n' "$(stat -c %s -- "$tmp" 2>/dev/null || echo 0)" >&2
}
# The loop stops between samples: TERM only sets a flag (a trap runs once the command in hand
# ends), so no psql or pipeline of a sample is ever left to PID 1 (postgres) to be taken for a
# crashed backend; only a sleep can be, and a sleep ends by itself with status 0. Each sample runs
# in a child of its own with the default TERM: when nobody reads stderr any more (the client was
# killed) a sample blocked on it is a leaf that the group kill ends, and the loop never blocks.
# The sleep holds none of the exec's pipes: docker exec ends only when its output pipe closes, and
# a sleep left holding it made every dump wait up to a second more (0.5 s on average).
( trap 'stop=1' TERM; stop=
  while [ -z "$stop" ]; do
    sleep 1 </dev/null >/dev/null 2>&1 & wait "$!" 2>/dev/null
    [ -n "$stop" ] || ( sample )
  done ) &
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
echo 'ovena-chunks 0 0' >&2
printf 'ovena-size %s\\n' "$(stat -c %s -- "$tmp")" >&2
exit 0
`;

/** Atomic publish: rename in the same folder (never into a directory: -T), then flush the folder. */
export const publishScript = `
tmp="$1"; final="$2"; dir="$3"; shift 3
# The share may have gone since the dump began (NAS lost): then the dump lies in the container's
# own folder under the mount point, and publishing it would report a backup that is not there.
if command -v mountpoint >/dev/null 2>&1; then mountpoint -q "$dir" || exit 31
else awk -v d="$dir" '$2 == d { found = 1 } END { exit !found }' /proc/mounts || exit 31; fi
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

/** CPUs the db container may use: parallel gzip runs one worker on each. */
export const countCpusScript = 'nproc 2>/dev/null || echo 1';

/** Parses one stderr line of the dump script into a progress change. */
export function parseDumpStderr(
  line: string,
):
  | { kind: 'size'; bytes: number }
  | { kind: 'member'; bytes: number; crc?: string }
  | { kind: 'table'; name: string }
  | { kind: 'error'; message: string }
  | { kind: 'tool'; message: string }
  | { kind: 'fail'; where: 'share' | 'scratch' | 'other'; message: string }
  | undefined {
  const text = line.trim();
  const size = /^ovena-size (\d+)$/.exec(text);
  if (size?.[1]) return { kind: 'size', bytes: Number(size[1]) };
  const member = /^ovena-member (\d+)(?: (\d+))?$/.exec(text);
  if (member?.[1])
    return {
      kind: 'member',
      bytes: Number(member[1]),
      ...(member[2] ? { crc: member[2] } : {}),
    };
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
