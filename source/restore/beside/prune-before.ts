import type { Compose } from '../../compose/compose.ts';
import { formatAge, formatBytes } from '../../format.ts';
import type { BeforePolicy } from '../../retention/retention-settings.ts';
import { besideDatabases, dropDatabase, type KeptDatabase } from './pg-admin.ts';

const day = 24 * 3_600_000;

export type BeforeDecision = KeptDatabase & {
  action: 'keep' | 'drop' | 'held';
  reason: string;
};

/**
 * Which `<db>_before_*` databases `retention.before` keeps: the `keep` newest, none older than
 * `maxAge`. The only one younger than a day is never dropped without --force (it is the quick way
 * back from the last beside restore). Newest first.
 */
export function planBefore(
  kept: readonly KeptDatabase[],
  policy: BeforePolicy,
  now: number,
  force: boolean,
): BeforeDecision[] {
  const sorted = [...kept].sort((a, b) => b.at.getTime() - a.at.getTime());
  const young = sorted.filter((database) => now - database.at.getTime() < day);
  return sorted.map((database, index) => {
    const age = now - database.at.getTime();
    let drop: string | undefined;
    if (index >= policy.keep) drop = `beyond the ${policy.keep} newest`;
    else if (age > policy.maxAgeMs) drop = `older than ${formatAge(policy.maxAgeMs)}`;
    if (!drop) return { ...database, action: 'keep', reason: `one of the ${policy.keep} newest` };
    if (!force && young.length === 1 && young[0] === database)
      return {
        ...database,
        action: 'held',
        reason: `${drop}, but the only one younger than a day (--force drops it)`,
      };
    return { ...database, action: 'drop', reason: drop };
  });
}

export function beforeLines(decisions: readonly BeforeDecision[], now = Date.now()): string[] {
  return decisions.map(
    (decision) =>
      `${decision.action.padEnd(4)} ${decision.name} (${formatBytes(decision.sizeBytes)}, ${formatAge(now - decision.at.getTime())} old): ${decision.reason}`,
  );
}

/** Plans and (unless a dry run) drops the `<db>_before_*` databases beyond the policy. */
export async function pruneBefore(
  compose: Compose,
  options: { policy: BeforePolicy; dryRun: boolean; force: boolean; signal?: AbortSignal },
): Promise<BeforeDecision[]> {
  const decisions = planBefore(
    await besideDatabases(compose, 'before', options.signal),
    options.policy,
    Date.now(),
    options.force,
  );
  if (options.dryRun) return decisions;
  for (const decision of decisions) {
    if (decision.action !== 'drop') continue;
    options.signal?.throwIfAborted();
    await dropDatabase(compose, decision.name, options.signal);
  }
  return decisions;
}
