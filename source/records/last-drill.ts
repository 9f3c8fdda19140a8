import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import type { IndexCounts } from '../load/scan-dump.ts';

/** The last drill, as `ovena status` (lastDrill), `ovena check`, the home screen and the dry run read it. */
export type LastDrill = {
  /** When the drill ended (ISO 8601). */
  at: string;
  /** The dump's file name in the share. */
  dump: string;
  dumpBytes: number;
  /** The dump's modification time (ISO 8601). */
  dumpModifiedAt?: string;
  result: 'pass' | 'fail';
  /** Why it failed: the statement or check. */
  reason?: string;
  /** Orthanc's counts in the loaded index. */
  counts?: IndexCounts;
  schemaVersion?: string;
  tables?: number;
  rows?: number;
  /** Seconds the load took (one decimal). */
  loadSeconds?: number;
  /** Load plus this host's fixed restore steps, when measured. */
  rtoSeconds?: number;
  /** When this run failed: the last passing drill before it. */
  lastPass?: Omit<LastDrill, 'lastPass'>;
};

export const lastDrillFile = 'last-drill.json';

/** The last drill that passed: this one, or the one a failed run kept. */
export function lastPassingDrill(
  drill: LastDrill | undefined,
): Omit<LastDrill, 'lastPass'> | undefined {
  return drill?.result === 'pass' ? drill : drill?.lastPass;
}

export async function readLastDrill(stateDir: string): Promise<LastDrill | undefined> {
  try {
    const value = JSON.parse(
      await readFile(path.join(stateDir, lastDrillFile), 'utf8'),
    ) as Partial<LastDrill>;
    if (typeof value.at !== 'string' || (value.result !== 'pass' && value.result !== 'fail'))
      return undefined;
    return value as LastDrill;
  } catch {
    return undefined;
  }
}

/** Atomic, 0600 (it names patient counts of the archive). */
export async function writeLastDrill(stateDir: string, drill: LastDrill): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  let lastPass: LastDrill['lastPass'];
  if (drill.result === 'fail') {
    const previous = await readLastDrill(stateDir);
    if (previous?.result === 'pass') {
      const { lastPass: _older, ...rest } = previous;
      lastPass = rest;
    } else lastPass = previous?.lastPass;
  }
  const record: LastDrill = { ...drill, ...(lastPass ? { lastPass } : {}) };
  await writeFileAtomic(
    path.join(stateDir, lastDrillFile),
    `${JSON.stringify(record, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
}
