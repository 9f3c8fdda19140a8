import { createHash } from 'node:crypto';
import { ExitCode, OvenaError } from '../errors.ts';
import { formatDuration } from '../format.ts';

/** The GFS rules, as restic's `forget --keep-*`: how many periods of each kind keep a dump. */
export const gfsRules = ['last', 'hourly', 'daily', 'weekly', 'monthly'] as const;
export type GfsRule = (typeof gfsRules)[number];
export type GfsPolicy = Record<GfsRule, number>;

/** `pre-restore-*` safety dumps: keep the newest `last`, and any younger than `withinMs`. */
export type SafetyPolicy = { last: number; withinMs: number };

export const defaultSafetyPolicy: SafetyPolicy = { last: 3, withinMs: 30 * 86_400_000 };

/** The deleting part of a retention configuration: what its hash (the confirmation) covers. */
export type Policy = { gfs: GfsPolicy; safety: SafetyPolicy };

export const emptyGfsPolicy: GfsPolicy = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 };

/** A bad policy: exit 78, naming the key (e.g. `retention.daily`). */
export class PolicyError extends OvenaError {
  constructor(message: string) {
    super(message, ExitCode.config);
    this.name = 'PolicyError';
  }
}

/** A count as written in the settings file or given to --keep-*: a whole number >= 0. */
export function parseCount(value: unknown, key: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new PolicyError(
      `${key} must be a whole number of 0 or more (got ${JSON.stringify(value) ?? String(value)})`,
    );
  }
  return Number(text);
}

/** A policy that would delete every dump is refused (a typo must not empty the share). */
export function assertKeepsSomething(policy: Policy, where: string): void {
  if (gfsRules.every((rule) => policy.gfs[rule] === 0)) {
    throw new PolicyError(
      `${where} keeps nothing (every one of last, hourly, daily, weekly, monthly is 0 or unset): set at least one, e.g. daily: 14`,
    );
  }
  if (policy.safety.last === 0 && policy.safety.withinMs === 0) {
    throw new PolicyError(
      `${where}.safety keeps nothing (last: 0 and no within): keep at least one safety dump`,
    );
  }
}

/** Stable hash of what the policy deletes; a changed hash means a new policy to confirm. */
export function policyHash(policy: Policy): string {
  const canonical = JSON.stringify({
    gfs: gfsRules.map((rule) => [rule, policy.gfs[rule]]),
    safety: [policy.safety.last, policy.safety.withinMs],
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** A policy period as written in the settings file: "30d", "36h", else e.g. "1h30m". */
export function formatPeriod(ms: number): string {
  if (ms > 0 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return formatDuration(ms);
}

/** e.g. "last 24, hourly 48, daily 14, weekly 8, monthly 12; safety: newest 3 and 30d". */
export function describePolicy(policy: Policy): string {
  const rules = gfsRules
    .filter((rule) => policy.gfs[rule] > 0)
    .map((rule) => `${rule} ${policy.gfs[rule]}`);
  const safety = [
    ...(policy.safety.last > 0 ? [`newest ${policy.safety.last}`] : []),
    ...(policy.safety.withinMs > 0 ? [`younger than ${formatPeriod(policy.safety.withinMs)}`] : []),
  ];
  return `${rules.join(', ') || 'nothing'}; pre-restore: ${safety.join(' and ') || 'none'}`;
}

/** Flags override the file's counts one by one. */
export function withOverrides(gfs: GfsPolicy, overrides: Partial<GfsPolicy>): GfsPolicy {
  const merged = { ...gfs };
  for (const rule of gfsRules) {
    const value = overrides[rule];
    if (value !== undefined) merged[rule] = value;
  }
  return merged;
}
