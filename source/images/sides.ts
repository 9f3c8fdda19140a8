import { PassThrough } from 'node:stream';
import type { ExecStreamOptions } from '../compose/exec-stream.ts';
import type { CheckTarget } from './check-target.ts';
import { expectedPath, type FileEntry, type IndexEntry } from './compare.ts';
import { readLineBatches } from './lines.ts';

/** A command's output, in batches of lines; its failure ends the iteration with an error. */
async function* commandLines(
  run: (options: ExecStreamOptions) => Promise<void>,
  signal: AbortSignal,
): AsyncGenerator<string[]> {
  const output = new PassThrough();
  const running = run({ signal, stdout: output }).then(
    () => output.end(),
    (error: unknown) => {
      output.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  try {
    yield* readLineBatches(output);
  } finally {
    if (!output.destroyed) output.resume();
    await running;
  }
}

/**
 * The index side's query: every attachment, sorted by uuid in byte order. No join: the resource
 * (Orthanc id and level) is looked up afterwards for the few attachments that are reported
 * (see run-check.ts), which halves the bytes and the database's work. work_mem lets the sort of a
 * large archive stay in memory (PostgreSQL spills to disk past it, so its memory stays bounded).
 */
export const indexQuery = [
  "SET work_mem = '64MB'",
  'COPY (SELECT uuid, filetype, compressedsize, id FROM attachedfiles ORDER BY uuid COLLATE "C") TO STDOUT',
];

/** One line of the index side: uuid, file type, size on disk (\N: unknown), internal id. */
export function parseIndexLine(line: string): IndexEntry {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  const c = line.indexOf('\t', b + 1);
  const size = line.slice(b + 1, c);
  return {
    uuid: line.slice(0, a),
    fileType: Number(line.slice(a + 1, b)),
    sizeBytes: size === '\\N' ? -1 : Number(size),
    internalId: Number(line.slice(c + 1)),
  };
}

/** The index side: every row of `attachedfiles`, sorted by uuid in byte order. */
export async function* indexEntries(
  target: CheckTarget,
  signal: AbortSignal,
): AsyncGenerator<IndexEntry[]> {
  const { db } = target;
  const argv = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', db.user, '-d', db.database];
  for (const sql of indexQuery) argv.push('-c', sql);
  for await (const lines of commandLines((options) => db.stream(argv, options), signal)) {
    yield lines.map(parseIndexLine);
  }
}

/**
 * The file side's walker (perl, which every Debian and Ubuntu image has: perl-base is essential).
 * It visits xx, then xx/yy in byte order and sorts each folder's names: a file at its place
 * (xx/yy/xxyy...) then comes out in global uuid order, so the listing streams while it is made,
 * with no sort of the whole and no memory that grows. A file elsewhere (not named for its folder)
 * can never be read by Orthanc: it comes out with its path as a fourth field, out of order, and the
 * merge reports it as an orphan. Lines: name, size, mtime (seconds, fractional when Time::HiRes is
 * there); lstat, so only regular files count (as find -type f). An unreadable folder fails the
 * listing (exit 1, after the rest is listed).
 */
const walker = String.raw`use strict;
my $hires = eval { require Time::HiRes; 1 };
my ($bad, $out) = (0, '');
sub names { my ($dir) = @_; my $dh;
  unless (opendir $dh, $dir) { print STDERR "cannot read $dir: $!\n"; $bad = 1; return () }
  my @names = readdir $dh; closedir $dh; return @names }
for my $x (sort grep { /^[0-9a-f]{2}\z/ } names('.')) {
  for my $y (sort grep { /^[0-9a-f]{2}\z/ } names($x)) {
    my ($dir, $prefix) = ("$x/$y/", "$x$y");
    for my $name (sort grep { $_ ne '.' && $_ ne '..' } names("$x/$y")) {
      my @s = $hires ? Time::HiRes::lstat($dir . $name) : lstat($dir . $name);
      next unless @s && -f _;
      $out .= substr($name, 0, 4) eq $prefix ? "$name\t$s[7]\t$s[9]\n" : "$name\t$s[7]\t$s[9]\t$dir$name\n";
    }
    if (length($out) >= 65536) { print $out or exit 1; $out = '' }
  }
}
print $out or exit 1;
close STDOUT or exit 1;
exit $bad;`;

/**
 * Lists the storage folder ($1): the perl walker when the container has perl, else find and a
 * sort of the whole listing (the same lines, with every file's path). Either way find's or perl's
 * own failure fails the listing.
 */
export const listFilesScript = `cd "$1" || exit 66
if command -v perl >/dev/null 2>&1 && [ -z "$OVENA_LIST_WITH_FIND" ]; then exec perl -e "$2"; fi
rc=$(mktemp)
{ find . -mindepth 3 -maxdepth 3 -type f -path './[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*' -printf '%f\\t%s\\t%T@\\t%P\\n'; echo "$?" >"$rc"; } | LC_ALL=C sort -t '\t' -k1,1 -S 64M || { rm -f "$rc"; exit 1; }
status=$(cat "$rc"); rm -f "$rc"
exit "\${status:-1}"`;

export const listFilesArgv = (directory: string) => [
  'sh',
  '-c',
  listFilesScript,
  'ovena-list-files',
  directory,
  walker,
];

/** One line of the file side: name, size, mtime in seconds, and the path when not the expected one. */
export function parseFileLine(line: string): FileEntry {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  const c = line.indexOf('\t', b + 1);
  const uuid = line.slice(0, a);
  return {
    uuid,
    path: c < 0 ? expectedPath(uuid) : line.slice(c + 1),
    sizeBytes: Number(line.slice(a + 1, b)),
    modifiedMs: Math.round(Number(c < 0 ? line.slice(b + 1) : line.slice(b + 1, c)) * 1000),
  };
}

/** The file side: every file at Orthanc's layout depth (xx/yy/name) under the storage folder. */
export async function* fileEntries(
  target: CheckTarget,
  signal: AbortSignal,
  options: { env?: Record<string, string> } = {},
): AsyncGenerator<FileEntry[]> {
  const argv = listFilesArgv(target.storageDirectory);
  const run = (streamOptions: ExecStreamOptions) =>
    target.orthanc(argv, { ...streamOptions, ...(options.env ? { env: options.env } : {}) });
  for await (const lines of commandLines(run, signal)) yield lines.map(parseFileLine);
}
