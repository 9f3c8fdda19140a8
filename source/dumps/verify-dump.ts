import { ExecaError } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';

/**
 * Checks a dump inside the db container from end to end in one pass: the gzip stream is complete,
 * pg_dump's header is at the top and its completion comment among the last lines (current
 * releases add `\unrestrict KEY` after it, so it is no longer the very last line).
 * Exit codes of the script name the failed check.
 */
const verifyScript = `
f="$1"
[ -e "$f" ] || exit 10
[ -r "$f" ] || exit 11
[ -s "$f" ] || exit 12
case "$f" in
  *.gz) reader="gunzip -c --" ;;
  *) reader="cat --" ;;
esac
head=$($reader "$f" 2>/dev/null | head -c 4096 | head -n 20 | tr -d '\\000')
printf '%s\\n' "$head" | grep -q -- '^-- PostgreSQL database dump$' || { $reader "$f" >/dev/null 2>&1 || exit 13; exit 14; }
tailtext=$( { $reader "$f" 2>/dev/null; echo "ovena-read-status $?"; } | tail -n 40 | tr -d '\\000')
printf '%s\\n' "$tailtext" | grep -q '^ovena-read-status 0$' || exit 13
printf '%s\\n' "$tailtext" | grep -q -- '^-- PostgreSQL database dump complete$' || exit 15
exit 0
`;

const failures: Record<number, string> = {
  10: 'does not exist',
  11: 'is not readable',
  12: 'is empty',
  13: 'is not a complete gzip stream (truncated or corrupt)',
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
): Promise<void> {
  try {
    await compose.execCapture(
      compose.project.dbService,
      ['sh', '-c', verifyScript, 'ovena-verify', pathInContainer],
      {
        ...(signal ? { signal } : {}),
      },
    );
  } catch (error) {
    if (error instanceof ExecaError && !error.isCanceled && typeof error.exitCode === 'number') {
      const failure = describeVerifyFailure(error.exitCode);
      if (failure) {
        throw new OvenaError(
          `dump ${pathInContainer} ${failure}`,
          error.exitCode === 10 ? ExitCode.noInput : ExitCode.dataError,
        );
      }
    }
    throw error;
  }
}
