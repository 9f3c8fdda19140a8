import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, OvenaError } from '../errors.ts';
import { conflicts, kindLabels, type LockKind, lockKinds } from './lock-table.ts';
import { bootTime, isLiveOvena, processStartTime } from './process-alive.ts';

/**
 * One holder of the host lock: one file in `${stateDir}/locks/`, written whole (temporary file,
 * fsync, rename) under a name no other process can choose, so holders never overwrite each other
 * and several compatible holders (a backup and a drill) coexist.
 */
export type LockHolder = {
  kind: LockKind;
  pid: number;
  /** The process's start time in clock ticks after boot (/proc/PID/stat): pid reuse never matches. */
  procStart?: string;
  startedAt: string;
  /** What it works on, completing "a KIND …" (for example "of x.sql.gz"). */
  detail?: string;
  /** Written before the taker read the others; it holds the lock once this is gone. */
  pending?: boolean;
};

export type HostLock = {
  owner: LockHolder;
  /** A dead holder of the same kind whose entry this lock removed: clean up after it. */
  stale?: LockHolder;
  /** Updates the detail other commands read in a refusal. */
  describe(detail: string): Promise<void>;
  release(): Promise<void>;
};

/** Test seam: runs between writing our entry and reading the others. */
export type LockHooks = { afterWrite?: () => Promise<void> };

export function locksDir(stateDir: string): string {
  return path.join(stateDir, 'locks');
}

let sequence = 0;

function isAlive(holder: LockHolder): boolean {
  if (holder.pid === process.pid) return true; // this process: re-entrant, never "dead"
  if (holder.procStart !== undefined) {
    const now = processStartTime(holder.pid);
    if (now !== undefined) return now === holder.procStart;
  }
  if (!isLiveOvena(holder.pid)) return false;
  const booted = bootTime();
  const started = Date.parse(holder.startedAt);
  return booted === undefined || Number.isNaN(started) || started >= booted;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> & { command?: string };
    if (typeof value.pid !== 'number' || typeof value.startedAt !== 'string') return undefined;
    // The single lock file of earlier versions named a command, not a kind.
    const kind =
      value.kind && (lockKinds as readonly string[]).includes(value.kind)
        ? value.kind
        : value.command === 'backup'
          ? 'backup'
          : value.command === 'restore'
            ? 'restore'
            : 'cifs-apply';
    return { ...value, kind } as LockHolder;
  } catch {
    return undefined;
  }
}

async function writeWhole(file: string, holder: LockHolder): Promise<void> {
  const draft = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  const handle = await open(draft, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(holder));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(draft, file);
}

type Entry = { file: string; holder: LockHolder | undefined };

async function readEntries(stateDir: string): Promise<Entry[]> {
  const dir = locksDir(stateDir);
  const names = (await readdir(dir).catch(() => [] as string[])).filter(
    (name) => name.endsWith('.json') && !name.startsWith('.'),
  );
  const entries: Entry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      entries.push({ file, holder: parseHolder(await readFile(file, 'utf8')) });
    } catch {
      // Released between readdir and read.
    }
  }
  // The one lock file of earlier versions, while a run of such a version may still hold it.
  const legacy = path.join(stateDir, 'ovena.lock');
  const legacyText = await readFile(legacy, 'utf8').catch(() => undefined);
  if (legacyText !== undefined) entries.push({ file: legacy, holder: parseHolder(legacyText) });
  return entries;
}

/** Lock files that cannot be read (damaged or foreign): status names them, a restore refuses. */
export async function unreadableLockFiles(stateDir: string): Promise<string[]> {
  return (await readEntries(stateDir))
    .filter((entry) => entry.holder === undefined)
    .map((entry) => entry.file);
}

/** The live holders of the host lock (for status lines and refusals). */
export async function liveHolders(stateDir: string): Promise<LockHolder[]> {
  return (await readEntries(stateDir))
    .map((entry) => entry.holder)
    .filter((holder): holder is LockHolder => holder !== undefined && isAlive(holder));
}

function clock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return Date.now() - date.getTime() < 20 * 3600_000
    ? time
    : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** "a restore of x.sql.gz is running, pid 123, since 04:31" */
export function describeHolder(holder: LockHolder): string {
  const label = kindLabels[holder.kind];
  const article = /^[aeiou]/.test(label) ? 'an' : 'a';
  const what = holder.detail ? `${label} ${holder.detail}` : label;
  return `${article} ${what} is running, pid ${holder.pid}, since ${clock(holder.startedAt)}`;
}

/**
 * Takes the host lock for one kind of operation, or refuses (exit 75) naming the live holder of
 * a kind the table says conflicts. Our claim is written first and the others read after, so of two
 * conflicting takers at the same instant at least one sees the other: never both run. Two claims
 * that see each other both withdraw and retry after a random pause, so one of them wins. Holders in this same process never conflict: a start run inside a restore is part of it.
 * A dead holder's entry is moved aside by rename (one taker wins) and removed; a dead backup's is
 * left to the next backup, which cleans up after it (`stale`).
 */
type Scan = { held?: LockHolder; pending?: LockHolder; stale?: LockHolder };

/** Reads the other holders: a live conflicting one (held, or still only claiming), dead ones. */
async function scan(stateDir: string, file: string, kind: LockKind): Promise<Scan> {
  const result: Scan = {};
  for (const entry of await readEntries(stateDir)) {
    if (entry.file === file) continue;
    const holder = entry.holder;
    if (holder && holder.pid === process.pid) continue;
    if (holder && isAlive(holder)) {
      if (!conflicts(kind, holder.kind)) continue;
      if (holder.pending) result.pending ??= holder;
      else result.held ??= holder;
      continue;
    }
    if (!holder) {
      // Unreadable: entries are written whole, so only a foreign or damaged file; never guess.
      if (kind === 'restore' || kind === 'cifs-apply') {
        throw new OvenaError(
          `lock file ${entry.file} cannot be read: remove it if no ovena runs`,
          ExitCode.busy,
        );
      }
      continue;
    }
    if (holder.kind === 'backup' && kind !== 'backup') continue;
    const aside = `${entry.file}.dead-${process.pid}`;
    try {
      await rename(entry.file, aside);
    } catch {
      continue; // another taker moved it first
    }
    await rm(aside, { force: true });
    result.stale ??= holder;
  }
  return result;
}

export async function acquireLock(
  stateDir: string,
  kind: LockKind,
  options: { detail?: string; hooks?: LockHooks } = {},
): Promise<HostLock> {
  const dir = locksDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const procStart = processStartTime(process.pid);
  const owner: LockHolder = {
    kind,
    pid: process.pid,
    ...(procStart ? { procStart } : {}),
    startedAt: new Date().toISOString(),
    ...(options.detail ? { detail: options.detail } : {}),
  };
  const file = path.join(dir, `${kind}.${process.pid}.${procStart ?? 'x'}.${sequence++}.json`);
  let stale: LockHolder | undefined;
  for (let attempt = 1; ; attempt++) {
    await writeWhole(file, { ...owner, pending: true });
    let contender: LockHolder | undefined;
    try {
      await options.hooks?.afterWrite?.();
      const found = await scan(stateDir, file, kind);
      stale ??= found.stale;
      if (found.held) {
        throw new OvenaError(`${describeHolder(found.held)}: wait for it to finish`, ExitCode.busy);
      }
      contender = found.pending;
      if (contender && attempt >= 8) {
        throw new OvenaError(`${describeHolder(contender)}: wait for it to finish`, ExitCode.busy);
      }
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    if (!contender) break;
    // Two takers wrote their claims at the same instant: both withdraw, and retry after a random
    // pause, so one of them wins (never both: each reads the others after writing its own).
    await rm(file, { force: true });
    await sleep(20 + Math.floor(Math.random() * 130));
  }
  await writeWhole(file, owner);
  return {
    owner,
    ...(stale ? { stale } : {}),
    describe: async (detail: string) => {
      owner.detail = detail;
      await writeWhole(file, owner);
    },
    release: async () => {
      await rm(file, { force: true });
    },
  };
}
