import { readerCaseArms } from '../dumps/compression.ts';

/**
 * The shell fragments shared by the loader and the dump scanner. Both run inside a PostgreSQL
 * container, where the dump lies (the backup share), so the bulk bytes never cross docker.
 */

/**
 * Defines `reader` for "$f" and starts a monitor that prints the reader's position in the
 * compressed file (/proc/PID/fdinfo/0 `pos:`, as `pv -d` does) as `ovena-pos N` lines on stdout
 * once a second. Afterwards: `ovena_read CONSUMER...` pipes the decompressed text into CONSUMER,
 * `$pidf.rc` holds the reader's exit status, and `ovena_read_end` stops the monitor.
 */
export const readerFragment = `
case "$f" in ${readerCaseArms} *) reader="cat --" ;; esac
pidf="/tmp/ovena-read-$$.pid"
rm -f "$pidf" "$pidf.rc"
(
  while :; do
    sleep 1 </dev/null >/dev/null 2>&1
    p=$(cat "$pidf" 2>/dev/null) || continue
    [ -n "$p" ] && sed -n 's/^pos:[[:space:]]*/ovena-pos /p' "/proc/$p/fdinfo/0" 2>/dev/null
  done
) &
monitor=$!
ovena_read() {
  sh -c 'echo $$ > "$0"; $1 2>/dev/null; echo $? > "$0.rc"' "$pidf" "$reader" < "$f" | "$@"
}
ovena_read_end() {
  kill "$monitor" 2>/dev/null
  # Reap it here: a killed child left to PID 1 (PostgreSQL itself in its container) reads as a
  # crashed backend ("terminated by signal 15") and restarts the whole server in recovery.
  wait "$monitor" 2>/dev/null
  rc=$(cat "$pidf.rc" 2>/dev/null || echo 1)
  rm -f "$pidf" "$pidf.rc"
}
`;

/** The `ovena-pos N` position in a line of the scripts' output, if it is one. */
export function positionOf(line: string): number | undefined {
  const match = /^ovena-pos (\d+)$/.exec(line.trim());
  return match?.[1] ? Number(match[1]) : undefined;
}

/**
 * awk, shared by the dump scan and the loader's rewrite so that both count the same COPY blocks
 * (the loader reports each table by the scan's ordinal): the test of a "TABLE DATA" header line
 * (a COPY under it is a table's data, not a line of a function's body), and the statement that
 * sets `table` to a COPY line's table as the dump names it.
 */
export const awkDataHeader = '/^-- Data for Name: .*; Type: TABLE DATA;/';
export const awkCopyTable =
  'table = $0; sub(/^COPY /, "", table); sub(/ \\(.*$/, "", table); sub(/ FROM stdin;$/, "", table)';
