import type { Compose } from '../compose/compose.ts';
import { quickExecCapture } from '../compose/quick-exec.ts';
import { compressionOfFile } from './compression.ts';
import { backupDir, isDumpFileName } from './dump-name.ts';
import { parseStampedName } from './stamped-names.ts';

export type DumpFile = {
  name: string;
  sizeBytes: number;
  /** Modification time, ms since the epoch. */
  modifiedMs: number;
  compressed: boolean;
};

/** When a dump was made: the UTC time in a timestamped name, else the file's mtime. */
export function dumpTimeMs(dump: Pick<DumpFile, 'name' | 'modifiedMs'>): number {
  return parseStampedName(dump.name)?.timeMs ?? dump.modifiedMs;
}

/**
 * Parses `find -printf '%f\t%s\t%T@\n'` output; temporary and foreign files are left out. Newest
 * first by `dumpTimeMs` (a copied timestamped dump keeps its place whatever its mtime).
 */
export function parseDumpListing(text: string): DumpFile[] {
  const dumps: Array<DumpFile & { at: number }> = [];
  for (const line of text.split('\n')) {
    const [name, size, mtime] = line.split('\t');
    if (!name || size === undefined || mtime === undefined || !isDumpFileName(name)) continue;
    const modifiedMs = Math.round(Number(mtime) * 1000);
    dumps.push({
      name,
      sizeBytes: Number(size),
      modifiedMs,
      compressed: compressionOfFile(name) !== undefined,
      at: dumpTimeMs({ name, modifiedMs }),
    });
  }
  // Plain comparisons: localeCompare costs ICU collation on every tie.
  dumps.sort((a, b) => b.at - a.at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return dumps.map(({ at: _at, ...dump }) => dump);
}

/** The names of every file directly in the share, dumps and temporaries alike, in one call. */
export async function listShareFileNames(
  compose: Compose,
  signal?: AbortSignal,
): Promise<string[]> {
  return (await shareListing(compose, '%f\\n', signal))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** One listing call for the whole share, however many files it holds; newest first. */
export async function listDumps(compose: Compose, signal?: AbortSignal): Promise<DumpFile[]> {
  return parseDumpListing(await shareListing(compose, '%f\\t%s\\t%T@\\n', signal));
}

/** `find` of the files directly in the share, one line each in `format`. */
export const listingArgv = (format: string) => [
  'find',
  backupDir,
  '-mindepth',
  '1',
  '-maxdepth',
  '1',
  '-type',
  'f',
  '-printf',
  format,
];

/**
 * The listing through the running db container found by its compose labels, without compose
 * (see compose/quick-exec.ts); undefined when that is not possible: use `listDumps` then.
 */
export async function listDumpsQuick(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<DumpFile[] | undefined> {
  const text = await quickExecCapture(files, env, listingArgv('%f\\t%s\\t%T@\\n'), signal);
  return text === undefined ? undefined : parseDumpListing(text);
}

function shareListing(compose: Compose, format: string, signal?: AbortSignal): Promise<string> {
  return compose.execCapture(
    compose.project.dbService,
    listingArgv(format),
    // The share stays readable when the database itself will not start.
    { oneOffWhenDown: true, ...(signal ? { signal } : {}) },
  );
}
