import { Writable } from 'node:stream';

/**
 * The shell fragments shared by the loader and the dump scanner. Both run inside a PostgreSQL
 * container, where the dump lies (the backup share), so the bulk bytes never cross docker.
 */

export type DumpFormat = 'gzip' | 'zstd' | 'plain';

/** The format a dump's file name says: NAME.sql.gz, NAME.sql.zst or a plain NAME.sql. */
export function dumpFormat(path: string): DumpFormat {
  if (path.endsWith('.gz')) return 'gzip';
  if (path.endsWith('.zst')) return 'zstd';
  return 'plain';
}

/**
 * Defines `reader` for "$f" and starts a monitor that prints the reader's position in the
 * compressed file (/proc/PID/fdinfo/0 `pos:`, as `pv -d` does) as `ovena-pos N` lines on stdout
 * once a second. Afterwards: `ovena_read CONSUMER...` pipes the decompressed text into CONSUMER,
 * `$pidf.rc` holds the reader's exit status, and `ovena_read_end` stops the monitor.
 */
export const readerFragment = `
case "$f" in
  *.gz) reader="gunzip -c" ;;
  *.zst) reader="zstd -dc -q" ;;
  *) reader="cat" ;;
esac
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
  rc=$(cat "$pidf.rc" 2>/dev/null || echo 1)
  rm -f "$pidf" "$pidf.rc"
}
`;

/** A sink that hands every complete line to `onLine` (the scripts end each line with a newline). */
export function lineWritable(onLine: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      callback();
    },
  });
}

/** The `ovena-pos N` position in a line of the scripts' output, if it is one. */
export function positionOf(line: string): number | undefined {
  const match = /^ovena-pos (\d+)$/.exec(line.trim());
  return match?.[1] ? Number(match[1]) : undefined;
}
