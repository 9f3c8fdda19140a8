import type { Compose } from '../compose/compose.ts';
import { compressionOfFile } from './compression.ts';
import { backupDir, isDumpFileName } from './dump-name.ts';

export type DumpFile = {
  name: string;
  sizeBytes: number;
  /** Modification time, ms since the epoch. */
  modifiedMs: number;
  compressed: boolean;
};

/** Parses `find -printf '%f\t%s\t%T@\n'` output; temporary and foreign files are left out. */
export function parseDumpListing(text: string): DumpFile[] {
  const dumps: DumpFile[] = [];
  for (const line of text.split('\n')) {
    const [name, size, mtime] = line.split('\t');
    if (!name || size === undefined || mtime === undefined || !isDumpFileName(name)) continue;
    dumps.push({
      name,
      sizeBytes: Number(size),
      modifiedMs: Math.round(Number(mtime) * 1000),
      compressed: compressionOfFile(name) !== undefined,
    });
  }
  return dumps.sort((a, b) => b.modifiedMs - a.modifiedMs || a.name.localeCompare(b.name));
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

function shareListing(compose: Compose, format: string, signal?: AbortSignal): Promise<string> {
  return compose.execCapture(
    compose.project.dbService,
    ['find', backupDir, '-mindepth', '1', '-maxdepth', '1', '-type', 'f', '-printf', format],
    // The share stays readable when the database itself will not start.
    { oneOffWhenDown: true, ...(signal ? { signal } : {}) },
  );
}
