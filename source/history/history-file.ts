import { appendFile, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/**
 * The run history, `${stateDir}/history.jsonl` (0600): one JSON object a line, oldest first.
 * Backups, drills and prunes append one line per run; a restore records the instance count it
 * leaves (the next backup compares against it); `ovena history --ack` records who acknowledged an
 * anomaly. Capped at `historyCap` lines, oldest trimmed atomically. A corrupt line is skipped and
 * reported, never fatal, and never removed except by the cap.
 */
export const historyFile = 'history.jsonl';
export const historyCap = 5000;

export const historyKinds = ['backup', 'drill', 'prune', 'restore', 'ack'] as const;
export type HistoryKind = (typeof historyKinds)[number];

/** One rule of the anomaly guard that a backup broke, with its numbers. */
export type AnomalyReason = {
  rule: 'size' | 'instances' | 'duration';
  /** This run's value (bytes, instances, ms). */
  value: number;
  /** What it was compared with: the median (size, duration) or the previous count (instances). */
  baseline: number;
  /** The threshold from the settings (ratio, or instances allowed to drop). */
  threshold: number;
  /** One sentence with the numbers, for logs, check and the screens. */
  text: string;
};

export type HistoryEntry = {
  /** When the run ended (ISO 8601). */
  at: string;
  kind: HistoryKind;
  /** The dump, e.g. /mnt/backup/ovena-db-backup.sql.gz (backup, drill, restore). */
  file?: string;
  result: 'ok' | 'failed';
  durationMs: number;
  /** Size of the dump (backup), or bytes freed (prune). */
  bytes?: number;
  /** Orthanc's instance count: at dump time (backup), or what a restore left. */
  instances?: number;
  /** Tables in the dump (backup) or in the loaded database (restore). */
  tables?: number;
  error?: string;
  /** Set on a backup the anomaly guard flagged. */
  anomaly?: AnomalyReason[];
  /** ack: who (SUDO_USER or USER) and which anomalous run (its `at`). */
  by?: string;
  acknowledges?: string;
  /** Free-form details a drill or prune may add (counts, names). */
  details?: Record<string, unknown>;
};

export type HistoryRead = {
  /** Oldest first. */
  entries: HistoryEntry[];
  /** 1-based line numbers of the lines that were skipped. */
  corruptLines: number[];
};

export function historyPath(stateDir: string): string {
  return path.join(stateDir, historyFile);
}

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  const optionalNumber = (key: string) =>
    entry[key] === undefined || (typeof entry[key] === 'number' && Number.isFinite(entry[key]));
  return (
    typeof entry.at === 'string' &&
    !Number.isNaN(Date.parse(entry.at)) &&
    historyKinds.includes(entry.kind as HistoryKind) &&
    (entry.result === 'ok' || entry.result === 'failed') &&
    typeof entry.durationMs === 'number' &&
    Number.isFinite(entry.durationMs) &&
    optionalNumber('bytes') &&
    optionalNumber('instances') &&
    optionalNumber('tables') &&
    (entry.anomaly === undefined || Array.isArray(entry.anomaly))
  );
}

export function parseHistory(text: string): HistoryRead {
  const entries: HistoryEntry[] = [];
  const corruptLines: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const value: unknown = JSON.parse(line);
      if (isEntry(value)) entries.push(value);
      else corruptLines.push(index + 1);
    } catch {
      corruptLines.push(index + 1);
    }
  });
  return { entries, corruptLines };
}

/** The whole history; a missing file is an empty history. */
export async function readHistory(stateDir: string): Promise<HistoryRead> {
  let text: string;
  try {
    text = await readFile(historyPath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { entries: [], corruptLines: [] };
    throw error;
  }
  return parseHistory(text);
}

/** "2 corrupt lines in /var/lib/ovena/history.jsonl were skipped (lines 3, 9)". */
export function describeCorrupt(stateDir: string, corruptLines: readonly number[]): string {
  const shown = corruptLines.slice(0, 10).join(', ');
  const more = corruptLines.length > 10 ? ', …' : '';
  return `${corruptLines.length} corrupt line${corruptLines.length === 1 ? '' : 's'} in ${historyPath(stateDir)} ${corruptLines.length === 1 ? 'was' : 'were'} skipped (line${corruptLines.length === 1 ? '' : 's'} ${shown}${more})`;
}

const lockStaleMs = 30_000;
const lockWaitMs = 10_000;

/** A short exclusive lock around read-modify-write, so concurrent appends never lose a line. */
async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = await stat(lock).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > lockStaleMs) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`${lock} is held by another ovena for more than ${lockWaitMs / 1000}s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * Appends one run to the history (creating it 0600). Below the cap the line is appended and
 * flushed; at the cap the file is rewritten atomically (temporary file, fsync, rename) with the
 * oldest lines dropped. Drill and prune runs call this too.
 */
export async function appendHistory(
  stateDir: string,
  entry: HistoryEntry,
  options: { cap?: number } = {},
): Promise<void> {
  const cap = options.cap ?? historyCap;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = historyPath(stateDir);
  const line = `${JSON.stringify(entry)}\n`;
  await withFileLock(file, async () => {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n').filter((entryLine) => entryLine !== '');
    // A last line without its newline was cut short (a crash): it stays on its own line.
    const cut = text !== '' && !text.endsWith('\n');
    if (lines.length + 1 <= cap && !cut) {
      const handle = await open(file, 'a', 0o600);
      try {
        await handle.chmod(0o600);
        await appendFile(handle, line);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return;
    }
    const kept = [...lines, line.trimEnd()].slice(-cap);
    await writeFileAtomic(file, `${kept.join('\n')}\n`, { mode: 0o600 });
  });
}
