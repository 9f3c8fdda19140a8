import { PassThrough } from 'node:stream';
import type { ExecStreamOptions } from '../compose/exec-stream.ts';
import type { CheckTarget } from './check-target.ts';
import { expectedPath, type FileEntry, type IndexEntry } from './compare.ts';
import { readLineBatches } from './lines.ts';

/**
 * The two sides of a check run together: `stop` aborts both commands (the run's signal does too),
 * and a side whose command fails stops the other at once.
 */
export type SidesControl = { signal: AbortSignal; stop(reason: unknown): void };

export function sidesControl(signal: AbortSignal): SidesControl & { dispose(): void } {
  const controller = new AbortController();
  const stop = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onAbort = () => stop(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    stop,
    dispose: () => signal.removeEventListener('abort', onAbort),
  };
}

/**
 * A command's output, in batches of lines; its failure ends the iteration with an error and stops
 * the other side. A reader that stops early (the other side failed, or the merge threw) aborts
 * the command: its group inside the container is killed, its client's output drained (a client
 * blocked on a full pipe would never end, see execStreamInContainer), and this waits for both.
 */
async function* commandLines(
  run: (options: ExecStreamOptions) => Promise<void>,
  sides: SidesControl,
  what: string,
): AsyncGenerator<string[]> {
  const own = new AbortController();
  const onStop = () => own.abort(sides.signal.reason);
  if (sides.signal.aborted) onStop();
  else sides.signal.addEventListener('abort', onStop, { once: true });
  const output = new PassThrough();
  let ended = false;
  const running = run({ signal: own.signal, stdout: output, what }).then(
    () => {
      ended = true;
      output.end();
    },
    (error: unknown) => {
      ended = true;
      const failure = error instanceof Error ? error : new Error(String(error));
      // Its own failure stops the other side; an abort (its own or the run's) is no failure.
      if (!own.signal.aborted) sides.stop(failure);
      output.destroy(failure);
    },
  );
  try {
    yield* readLineBatches(output);
  } finally {
    sides.signal.removeEventListener('abort', onStop);
    if (!ended) own.abort(new Error(`${what}: stopped early`));
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
  sides: SidesControl,
): AsyncGenerator<IndexEntry[]> {
  const { db } = target;
  const argv = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', db.user, '-d', db.database];
  for (const sql of indexQuery) argv.push('-c', sql);
  const run = (options: ExecStreamOptions) => db.stream(argv, options);
  for await (const lines of commandLines(run, sides, 'the index query (psql)')) {
    yield lines.map(parseIndexLine);
  }
}

/**
 * Lists the storage folder ($1): every regular file at Orthanc's layout depth (xx/yy/name), as
 * name, size, mtime and path, sorted by name in byte order inside the orthanc container (the names
 * never cross docker unsorted; sort spills to disk past 64 MB, so memory stays bounded). find's own
 * failure (an unreadable folder) fails the listing.
 *
 * Measured against a perl walk that visits xx/yy in order and streams (no sort of the whole):
 * the same CPU in the container, but twice the wall time under load (12 s against 6 s at load 20,
 * 100,000 files), so find and sort it is.
 */
export const listFilesScript = `cd "$1" || exit 66
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
];

/** One line of the file side: name, size, mtime in seconds, path (absent: the expected xx/yy/name). */
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
  sides: SidesControl,
): AsyncGenerator<FileEntry[]> {
  const argv = listFilesArgv(target.storageDirectory);
  const run = (options: ExecStreamOptions) => target.orthanc(argv, options);
  const what = `the listing of the storage folder ${target.storageDirectory}`;
  for await (const lines of commandLines(run, sides, what)) yield lines.map(parseFileLine);
}
