import { readLastBackup } from '../backup/last-backup.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { ExitCode } from '../errors.ts';
import type { HostLock } from '../lock/host-lock.ts';
import { readUnfinishedRestore } from '../lock/restore-marker.ts';
import { readSchedule } from '../schedule/schedule.ts';
import { acquirePruneLock, pruneBlockedBy, recordPruneRun } from './hooks.ts';
import { buildPlan, type PrunePlan, removals } from './plan.ts';
import {
  assertKeepsSomething,
  describePolicy,
  type GfsPolicy,
  type Policy,
  PolicyError,
  policyHash,
  withOverrides,
} from './policy.ts';
import {
  defaultBeforePolicy,
  type RetentionSettings,
  readRetentionSettings,
} from './retention-settings.ts';
import {
  confirmPolicy,
  readConfirmations,
  readKnownStems,
  recordPending,
} from './retention-state.ts';
import { defaultMaxGapMs, newestVerifiedName, type Refusal, refusalOf } from './safety-rules.ts';

export type PruneOutcome = 'applied' | 'nothing-to-do' | 'refused' | 'dry-run';

export type PruneReport = {
  policy: Policy;
  policyHash: string;
  description: string;
  /** The policy was confirmed before this run (or by this run's --force). */
  confirmed: boolean;
  maxGapMs: number;
  dryRun: boolean;
  outcome: PruneOutcome;
  /** Set when a safety rule forbids removing anything (on a dry run: what a real run would say). */
  refusal?: Refusal;
  plan: PrunePlan;
  removed: string[];
};

export type ResolvedPolicy = {
  settings: RetentionSettings;
  policy: Policy;
  hash: string;
};

const hour = 3_600_000;
const intervals: Record<string, number> = { hourly: hour, daily: 24 * hour, weekly: 168 * hour };

/** The policy of this run: the settings file's, with --keep-* flags overriding it key by key. */
export async function resolvePolicy(
  configDir: string,
  overrides: Partial<GfsPolicy> = {},
): Promise<ResolvedPolicy> {
  const fromFile = await readRetentionSettings(configDir);
  if (!fromFile && Object.keys(overrides).length === 0) {
    throw new PolicyError(
      'no retention policy: add a retention: section to the settings file (e.g. retention: {daily: 14, weekly: 8}) or pass --keep-daily N ...',
    );
  }
  const settings: RetentionSettings = fromFile ?? {
    gfs: { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 },
    safety: { last: 3, withinMs: 30 * 24 * hour },
    before: { ...defaultBeforePolicy },
  };
  const policy: Policy = { gfs: withOverrides(settings.gfs, overrides), safety: settings.safety };
  assertKeepsSomething(policy, Object.keys(overrides).length > 0 ? 'the policy' : 'retention');
  return { settings, policy, hash: policyHash(policy) };
}

/** retention.maxGap, else twice the schedule's period, else 2 days. */
export async function maxGapOf(settings: RetentionSettings, cronDir: string): Promise<number> {
  if (settings.maxGapMs !== undefined) return settings.maxGapMs;
  const schedule = await readSchedule(cronDir).catch(() => undefined);
  return defaultMaxGapMs(schedule ? intervals[schedule.schedule] : undefined);
}

export type PruneOptions = {
  stateDir: string;
  configDir: string;
  cronDir: string;
  overrides?: Partial<GfsPolicy>;
  dryRun: boolean;
  force: boolean;
  now?: () => number;
  /** One listing of the share (the adapter in dumps/). */
  listDumps(signal?: AbortSignal): Promise<DumpFile[]>;
  /** Removes these file names from the share (the adapter in dumps/). */
  removeDumps(names: string[], signal?: AbortSignal): Promise<void>;
  /** The plan is shown before anything is removed (and is all a refused run does). */
  onPlan?(report: PruneReport): void;
  signal?: AbortSignal;
};

/**
 * One prune run: policy → (lock) → listing → plan → safety rules → remove. A dry run takes no lock
 * and changes nothing. A refused run removes nothing and names the rule.
 */
export async function prune(options: PruneOptions): Promise<PruneReport> {
  const started = Date.now();
  const resolved = await resolvePolicy(options.configDir, options.overrides);
  const maxGapMs = await maxGapOf(resolved.settings, options.cronDir);
  let lock: HostLock | undefined;
  if (!options.dryRun) lock = await acquirePruneLock(options.stateDir);
  try {
    const { stateDir } = options;
    const [confirmations, lastBackup, unfinishedRestore, blockedBy, knownStems, dumps] =
      await Promise.all([
        readConfirmations(stateDir),
        readLastBackup(stateDir),
        readUnfinishedRestore(stateDir),
        pruneBlockedBy(stateDir),
        readKnownStems(stateDir),
        options.listDumps(options.signal),
      ]);
    const now = (options.now ?? Date.now)();
    const newestVerified = newestVerifiedName(lastBackup);
    const plan = buildPlan({
      dumps,
      policy: resolved.policy,
      knownStems,
      ...(newestVerified ? { newestVerified } : {}),
      now,
    });
    const confirmed = confirmations.confirmed.includes(resolved.hash);
    const refusal = refusalOf({
      plan,
      lastBackup,
      maxGapMs,
      now,
      blockedBy,
      unfinishedRestore,
      confirmed,
      force: options.force,
    });
    const report: PruneReport = {
      policy: resolved.policy,
      policyHash: resolved.hash,
      description: describePolicy(resolved.policy),
      confirmed,
      maxGapMs,
      dryRun: options.dryRun,
      outcome: options.dryRun ? 'dry-run' : refusal ? 'refused' : 'applied',
      ...(refusal ? { refusal } : {}),
      plan,
      removed: [],
    };
    options.onPlan?.(report);
    if (options.dryRun) return report;
    if (refusal) {
      if (refusal.rule === 'unconfirmed-policy') {
        await recordPending(stateDir, {
          hash: resolved.hash,
          at: new Date(now).toISOString(),
          description: report.description,
        });
      }
      await recordPruneRun(stateDir, report, Date.now() - started);
      return report;
    }
    const doomed = removals(plan).map((entry) => entry.name);
    if (doomed.length > 0) {
      options.signal?.throwIfAborted();
      await options.removeDumps(doomed, options.signal);
    }
    if (!confirmed) await confirmPolicy(stateDir, resolved.hash);
    const done: PruneReport = {
      ...report,
      confirmed: true,
      outcome: doomed.length > 0 ? 'applied' : 'nothing-to-do',
      removed: doomed,
    };
    await recordPruneRun(stateDir, done, Date.now() - started);
    return done;
  } finally {
    await lock?.release();
  }
}

export function pruneExitCode(report: PruneReport): number {
  return report.outcome === 'refused' ? ExitCode.failed : ExitCode.ok;
}
