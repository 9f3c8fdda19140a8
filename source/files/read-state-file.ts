import { readFile } from 'node:fs/promises';

/**
 * A state file's text, `none` when it is not there, or `unreadable` with the reason (a file that
 * is there but cannot be read is never taken for "none").
 */
export type StateFileRead =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'unreadable'; file: string; reason: string };

export async function readStateFile(file: string): Promise<StateFileRead> {
  try {
    return { kind: 'text', text: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', file, reason: code ?? String(error) };
  }
}
