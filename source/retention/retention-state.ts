import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/**
 * What retention remembers on this host, in the state folder (0600, atomic writes):
 * - `timestamp-stems.json`: the stems `ovena backup --timestamp` has written (written by the
 *   backup, which never reads the policy);
 * - `retention-policy.json`: the hashes of policies the operator confirmed (`prune --force` or the
 *   TUI), and the last policy seen waiting for confirmation.
 */
export const stemsFile = 'timestamp-stems.json';
export const confirmationsFile = 'retention-policy.json';

export type Confirmations = {
  /** Hashes of confirmed policies, newest last (a one-off flag policy does not unconfirm the file's). */
  confirmed: string[];
  /** The last unconfirmed policy a run saw, and when: its plan was printed and logged. */
  pending?: { hash: string; at: string; description: string };
};

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function writeJson(stateDir: string, name: string, value: unknown): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(stateDir, name), `${JSON.stringify(value, null, 2)}\n`, {
    mode: 0o600,
  });
}

export async function readKnownStems(stateDir: string): Promise<string[]> {
  const value = (await readJson(path.join(stateDir, stemsFile))) as { stems?: unknown } | undefined;
  const stems = value?.stems;
  return Array.isArray(stems)
    ? stems.filter((stem): stem is string => typeof stem === 'string')
    : [];
}

/** Adds a stem after a timestamped backup succeeded (no write when it is already known). */
export async function recordStem(stateDir: string, stem: string): Promise<void> {
  const stems = await readKnownStems(stateDir);
  if (stems.includes(stem)) return;
  await writeJson(stateDir, stemsFile, { stems: [...stems, stem].sort() });
}

export async function readConfirmations(stateDir: string): Promise<Confirmations> {
  const value = (await readJson(path.join(stateDir, confirmationsFile))) as
    | Partial<Confirmations>
    | undefined;
  const confirmed = Array.isArray(value?.confirmed)
    ? value.confirmed.filter((hash): hash is string => typeof hash === 'string')
    : [];
  const pending = value?.pending;
  return {
    confirmed,
    ...(pending && typeof pending.hash === 'string' ? { pending } : {}),
  };
}

export async function confirmPolicy(stateDir: string, hash: string): Promise<void> {
  const current = await readConfirmations(stateDir);
  const confirmed = [...current.confirmed.filter((entry) => entry !== hash), hash].slice(-20);
  await writeJson(stateDir, confirmationsFile, { confirmed });
}

export async function recordPending(
  stateDir: string,
  pending: NonNullable<Confirmations['pending']>,
): Promise<void> {
  const current = await readConfirmations(stateDir);
  await writeJson(stateDir, confirmationsFile, { confirmed: current.confirmed, pending });
}
