import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../files/write-file-atomic.ts';

/** The last measured switch downtime (`last-beside-switch.json`), for the dry run's estimate. */
export type SwitchRecord = { downtimeMs: number; at: string };

function file(stateDir: string): string {
  return path.join(stateDir, 'last-beside-switch.json');
}

export async function recordSwitch(stateDir: string, downtimeMs: number): Promise<void> {
  const record: SwitchRecord = { downtimeMs, at: new Date().toISOString() };
  await writeFileAtomic(file(stateDir), `${JSON.stringify(record)}\n`);
}

export async function readSwitchRecord(stateDir: string): Promise<SwitchRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(file(stateDir), 'utf8')) as Partial<SwitchRecord>;
    return typeof value.downtimeMs === 'number' && typeof value.at === 'string'
      ? { downtimeMs: value.downtimeMs, at: value.at }
      : undefined;
  } catch {
    return undefined;
  }
}
