import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { readerCaseArms } from './compression.ts';

/**
 * Checks a dump inside the db container from end to end in one pass: the gzip stream is complete,
 * pg_dump's header is at the top and its completion comment among the last lines (current
 * releases add `\unrestrict KEY` after it, so it is no longer the very last line).
 * The script names the failed check on stderr. It runs through execStream so that Ctrl-C stops
 * the read of a multi-gigabyte dump inside the container too.
 */
const verifyScript = `
fail() { echo "ovena-verify-failed $1" >&2; exit "$1"; }
f="$1"
[ -e "$f" ] || fail 10
[ -r "$f" ] || fail 11
[ -s "$f" ] || fail 12
case "$f" in
  ${readerCaseArms}
  *) reader="cat --" ;;
esac
head=$($reader "$f" 2>/dev/null | head -c 4096 | head -n 20 | tr -d '\\000')
printf '%s\\n' "$head" | grep -q -- '^-- PostgreSQL database dump$' || { $reader "$f" >/dev/null 2>&1 || fail 13; fail 14; }
tailtext=$( { $reader "$f" 2>/dev/null; echo "ovena-read-status $?"; } | tail -n 40 | tr -d '\\000')
printf '%s\\n' "$tailtext" | grep -q '^ovena-read-status 0$' || fail 13
printf '%s\\n' "$tailtext" | grep -q -- '^-- PostgreSQL database dump complete$' || fail 15
exit 0
`;

/**
 * How both member checks begin: FILE SIZE first; the file is there, readable, of the size the
 * members add up to, and pg_dump's header is in its first member.
 */
const memberPrelude = `
fail() { echo "ovena-verify-failed $1" >&2; exit "$1"; }
f="$1"; size="$2"; shift 2
[ -e "$f" ] || fail 10
[ -r "$f" ] || fail 11
[ -s "$f" ] || fail 12
[ "$(stat -c %s -- "$f")" = "$size" ] || fail 13
head=$(gzip -dc < "$f" 2>/dev/null | head -c 4096 | head -n 20 | tr -d '\\000')
printf '%s\\n' "$head" | grep -q -- '^-- PostgreSQL database dump$' || fail 14
`;

/**
 * The same checks for ovena's own parallel-gzip file, whose gzip members (one per chunk) the dump
 * script listed: the file is cut into ranges of whole members, one per CPU, each read back from
 * the share and tested by its own `gzip -t` at once. Ranges that tile the file (their lengths add
 * up to its size) and each hold only complete members (a range cut inside a member, or with bytes
 * after its last one, fails gzip -t) make one complete gzip stream. The header is read from the
 * first member and the completion comment from the last range; if that range is too short to
 * hold it, the caller falls back to the one-pass check (exit 16).
 * Arguments: FILE SIZE START:LENGTH... (the last range last).
 */
const memberVerifyScript = `${memberPrelude}range() { tail -c +"$(($1 + 1))" -- "$f" | head -c "$2"; }
pids=""; n=$#; i=0; last=""
for r in "$@"; do
  i=$((i + 1)); start=\${r%%:*}; length=\${r#*:}
  if [ "$i" -eq "$n" ]; then last="$start $length"; break; fi
  ( range "$start" "$length" | gzip -t 2>/dev/null ) &
  pids="$pids $!"
done
set -- $last
tailtext=$( { range "$1" "$2" | gzip -dc 2>/dev/null; echo "ovena-read-status $?"; } | tail -n 40 | tr -d '\\000')
bad=""
for p in $pids; do wait "$p" || bad=1; done
[ -z "$bad" ] || fail 13
printf '%s\\n' "$tailtext" | grep -q '^ovena-read-status 0$' || fail 13
printf '%s\\n' "$tailtext" | grep -q -- '^-- PostgreSQL database dump complete$' || fail 16
exit 0
`;

/**
 * The same checks when the dump script listed each member's CRC (cksum) as gzip wrote it: each
 * member is read back from the share and its CRC and size compared. Bytes identical to gzip's
 * own output, which gzip finished without error, make a complete gzip stream; cksum reads about
 * a hundred times faster than gzip -t decompresses. The header is read from the first member and
 * the completion comment from the last; if that member is too short to hold it, the caller falls
 * back to the one-pass check (exit 16). Arguments: FILE SIZE SIZE:CRC... (in file order).
 */
const crcVerifyScript = `${memberPrelude}start=0; last=0
for m in "$@"; do
  length=\${m%%:*}; crc=\${m#*:}
  got=$(tail -c +"$((start + 1))" -- "$f" | head -c "$length" | cksum) || fail 13
  [ "$got" = "$crc $length" ] || fail 17
  last=$start; start=$((start + length))
done
tailtext=$( { tail -c +"$((last + 1))" -- "$f" | gzip -dc 2>/dev/null; echo "ovena-read-status $?"; } | tail -n 40 | tr -d '\\000')
printf '%s\\n' "$tailtext" | grep -q '^ovena-read-status 0$' || fail 13
printf '%s\\n' "$tailtext" | grep -q -- '^-- PostgreSQL database dump complete$' || fail 16
exit 0
`;

/**
 * Contiguous ranges of whole members, about equal in bytes, at most `parts` of them, as
 * "START:LENGTH". Undefined when there is nothing to split (fewer than two members or parts).
 */
export function memberRanges(members: readonly number[], parts: number): string[] | undefined {
  if (members.length < 2 || parts < 2) return undefined;
  const total = members.reduce((sum, size) => sum + size, 0);
  const count = Math.min(parts, members.length);
  const ranges: string[] = [];
  let start = 0;
  let length = 0;
  let left = members.length;
  for (const size of members) {
    length += size;
    left--;
    const wanted = ((ranges.length + 1) * total) / count;
    // Close the range at its share of the bytes, keeping one member for each range still to come.
    if ((start + length >= wanted && left >= count - ranges.length - 1) || left === 0) {
      ranges.push(`${start}:${length}`);
      start += length;
      length = 0;
    }
  }
  return ranges;
}

const failures: Record<number, string> = {
  10: 'does not exist',
  11: 'is not readable',
  12: 'is empty',
  13: 'is not a complete compressed stream (truncated or corrupt)',
  14: "does not start with pg_dump's header (not a plain-SQL PostgreSQL dump)",
  15: 'has no completion comment at the end (the dump was cut short)',
  17: 'differs from what was written: a gzip member read back from the share has another checksum (corrupt on the share)',
};

export type DumpCheckFailure = keyof typeof failures;

export function describeVerifyFailure(exitCode: number): string | undefined {
  return failures[exitCode];
}

/** The check number in a check script's `ovena-verify-failed N` stderr line, if it is one. */
export function failedCheckOf(line: string): number | undefined {
  const match = /^ovena-verify-failed (\d+)$/.exec(line.trim());
  return match ? Number(match[1]) : undefined;
}

/** The sentence for a failed check of `path` (exit 66 when it is missing, else 65), if known. */
export function verifyFailureError(
  path: string,
  check: number | undefined,
): OvenaError | undefined {
  const failure = check === undefined ? undefined : describeVerifyFailure(check);
  if (!failure) return undefined;
  return new OvenaError(
    `dump ${path} ${failure}`,
    check === 10 ? ExitCode.noInput : ExitCode.dataError,
  );
}

/** The gzip members of ovena's parallel-gzip dump, in file order, as the dump script listed them. */
export type DumpMembers = {
  sizes: number[];
  /** cksum's CRC of each member as gzip wrote it, when cksum ran for every member. */
  crcs?: string[];
  /** The CPUs that compressed them: as many parts to read back at once. */
  cpus: number;
};

/**
 * Checks ovena's parallel-gzip file by its members (sizes in file order, as the dump script wrote
 * them) on `parts` CPUs at once. Throws an OvenaError naming the failed check.
 */
export async function verifyMembersInContainer(
  compose: Compose,
  pathInContainer: string,
  members: DumpMembers,
  signal?: AbortSignal,
): Promise<string> {
  const { sizes, crcs } = members;
  const ranges = memberRanges(sizes, members.cpus);
  const size = sizes.reduce((sum, member) => sum + member, 0);
  const whole = async () => {
    await verifyDumpInContainer(compose, pathInContainer, signal);
    return 'read back in one pass';
  };
  const byCrc = crcs !== undefined && crcs.length === sizes.length && sizes.length > 1;
  if (!byCrc && (!ranges || ranges.length < 2)) return whole();
  const script = byCrc ? crcVerifyScript : memberVerifyScript;
  const rest = byCrc ? sizes.map((length, index) => `${length}:${crcs[index]}`) : (ranges ?? []);
  let failedCheck: number | undefined;
  try {
    await compose.execStream(
      compose.project.dbService,
      ['sh', '-c', script, 'ovena-verify', pathInContainer, String(size), ...rest],
      {
        ...(signal ? { signal } : {}),
        onStderrLine: (line) => {
          failedCheck = failedCheckOf(line) ?? failedCheck;
        },
      },
    );
  } catch (error) {
    signal?.throwIfAborted();
    // The last range held fewer than 40 lines: the end may lie before it; check in one pass.
    if (failedCheck === 16) return whole();
    throw verifyFailureError(pathInContainer, failedCheck) ?? error;
  }
  return byCrc
    ? `${sizes.length} gzip members read back, each identical to what gzip wrote (cksum)`
    : `${sizes.length} gzip members read back in ${ranges?.length ?? 1} parts at once`;
}

/** Throws an OvenaError naming the failed check; resolves when the dump is complete. */
export async function verifyDumpInContainer(
  compose: Compose,
  pathInContainer: string,
  signal?: AbortSignal,
): Promise<void> {
  let failedCheck: number | undefined;
  const argv = ['sh', '-c', verifyScript, 'ovena-verify', pathInContainer];
  try {
    await compose.execStream(compose.project.dbService, argv, {
      ...(signal ? { signal } : {}),
      onStderrLine: (line) => {
        failedCheck = failedCheckOf(line) ?? failedCheck;
      },
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw verifyFailureError(pathInContainer, failedCheck) ?? error;
  }
}
