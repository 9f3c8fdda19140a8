import { readLastBackup } from '../backup/last-backup.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { messageOf } from '../errors.ts';
import { buildPlan } from './plan.ts';
import { resolvePolicy } from './prune.ts';
import { readKnownStems } from './retention-state.ts';
import { newestVerifiedName } from './safety-rules.ts';

/**
 * For `ovena list`: the rules that keep each dump under the configured policy (an empty list: the
 * next prune removes it; null: not managed by retention). undefined when no policy is set; a broken
 * retention section gives a warning instead of a column, never a failed listing.
 */
export async function keptByColumn(
  paths: { configDir: string; stateDir: string },
  dumps: readonly DumpFile[],
  now: number,
): Promise<{ keptBy?: Map<string, string[] | null>; warning?: string }> {
  let resolved: Awaited<ReturnType<typeof resolvePolicy>>;
  try {
    resolved = await resolvePolicy(paths.configDir);
  } catch (error) {
    const message = messageOf(error);
    return message.startsWith('no retention policy') ? {} : { warning: `retention: ${message}` };
  }
  const [knownStems, lastBackup] = await Promise.all([
    readKnownStems(paths.stateDir),
    readLastBackup(paths.stateDir),
  ]);
  const newestVerified = newestVerifiedName(lastBackup);
  const plan = buildPlan({
    dumps,
    policy: resolved.policy,
    knownStems,
    ...(newestVerified ? { newestVerified } : {}),
    now,
  });
  const keptBy = new Map<string, string[] | null>(dumps.map((dump) => [dump.name, null]));
  for (const entry of plan.entries) keptBy.set(entry.name, entry.keptBy);
  return { keptBy };
}

export function describeKeptBy(keptBy: string[] | null | undefined): string {
  if (keptBy === null || keptBy === undefined) return '-';
  return keptBy.length === 0 ? 'REMOVE (next prune)' : keptBy.join(', ');
}
