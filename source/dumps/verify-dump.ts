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

const failures: Record<number, string> = {
  10: 'does not exist',
  11: 'is not readable',
  12: 'is empty',
  13: 'is not a complete compressed stream (truncated or corrupt)',
  14: "does not start with pg_dump's header (not a plain-SQL PostgreSQL dump)",
  15: 'has no completion comment at the end (the dump was cut short)',
};

export type DumpCheckFailure = keyof typeof failures;

export function describeVerifyFailure(exitCode: number): string | undefined {
  return failures[exitCode];
}

/** Throws an OvenaError naming the failed check; resolves when the dump is complete. */
export async function verifyDumpInContainer(
  compose: Compose,
  pathInContainer: string,
  signal?: AbortSignal,
  options: { oneOffWhenDown?: boolean } = {},
): Promise<void> {
  let failedCheck: number | undefined;
  const noteFailure = (line: string) => {
    const match = /^ovena-verify-failed (\d+)$/.exec(line.trim());
    if (match) failedCheck = Number(match[1]);
  };
  const argv = ['sh', '-c', verifyScript, 'ovena-verify', pathInContainer];
  try {
    const { dbService } = compose.project;
    if (
      options.oneOffWhenDown &&
      (await compose.serviceState(dbService, signal)).state !== 'running'
    ) {
      // A database that will not start: read the dump in a one-off container instead.
      await compose
        .execCapture(dbService, argv, { oneOffWhenDown: true, ...(signal ? { signal } : {}) })
        .catch((error: unknown) => {
          for (const line of String((error as { stderr?: unknown }).stderr ?? '').split('\n'))
            noteFailure(line);
          throw error;
        });
    } else {
      await compose.execStream(dbService, argv, {
        ...(signal ? { signal } : {}),
        onStderrLine: noteFailure,
      });
    }
  } catch (error) {
    const failure = failedCheck === undefined ? undefined : describeVerifyFailure(failedCheck);
    if (failure && !signal?.aborted) {
      throw new OvenaError(
        `dump ${pathInContainer} ${failure}`,
        failedCheck === 10 ? ExitCode.noInput : ExitCode.dataError,
      );
    }
    throw error;
  }
}
