import { parseDuration } from '../settings/duration.ts';
import { readSettingsSection } from '../settings/settings.ts';
import {
  defaultSafetyPolicy,
  emptyGfsPolicy,
  type GfsPolicy,
  gfsRules,
  PolicyError,
  parseCount,
  type SafetyPolicy,
} from './policy.ts';

/** The `retention:` section of /etc/ovena/ovena.yml, parsed on its own (never by the backup). */
export type RetentionSettings = {
  gfs: GfsPolicy;
  safety: SafetyPolicy;
  /** `maxGap`: no dump younger than this means backups stopped; undefined: from the schedule. */
  maxGapMs?: number;
  /** `webhooks.failure`: where a failed prune is reported (event prune.failure). */
  failureWebhook?: string;
  /** `before` (issue 18): the `<db>_before_*` databases kept by beside restores. */
  before: BeforePolicy;
};

/** Keep the `keep` newest `<db>_before_*` databases, none older than `maxAgeMs`. */
export type BeforePolicy = { keep: number; maxAgeMs: number };
export const defaultBeforePolicy: BeforePolicy = { keep: 1, maxAgeMs: 7 * 24 * 3_600_000 };

const topKeys = [...gfsRules, 'maxGap', 'safety', 'webhooks', 'before'];

function asMapping(value: unknown, key: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new PolicyError(`${key} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function duration(value: unknown, key: string): number {
  try {
    return parseDuration(String(value), key);
  } catch (error) {
    throw new PolicyError((error as Error).message);
  }
}

function checkKeys(map: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(map)) {
    if (!known.includes(key)) {
      throw new PolicyError(`unknown key ${where}.${key} (known: ${known.join(', ')})`);
    }
  }
}

/** Parses the section's value; throws a PolicyError (exit 78) naming the bad key. */
export function parseRetentionSection(
  value: unknown,
  file = 'the settings file',
): RetentionSettings {
  try {
    const root = asMapping(value, 'retention');
    checkKeys(root, topKeys, 'retention');
    const gfs = { ...emptyGfsPolicy };
    for (const rule of gfsRules) {
      const raw = root[rule];
      if (raw !== undefined && raw !== null) gfs[rule] = parseCount(raw, `retention.${rule}`);
    }
    const settings: RetentionSettings = {
      gfs,
      safety: { ...defaultSafetyPolicy },
      before: { ...defaultBeforePolicy },
    };
    const before = asMapping(root.before, 'retention.before');
    checkKeys(before, ['keep', 'maxAge'], 'retention.before');
    if (before.keep !== undefined && before.keep !== null)
      settings.before.keep = parseCount(before.keep, 'retention.before.keep');
    if (before.maxAge !== undefined && before.maxAge !== null)
      settings.before.maxAgeMs = duration(before.maxAge, 'retention.before.maxAge');
    if (root.maxGap !== undefined && root.maxGap !== null) {
      settings.maxGapMs = duration(root.maxGap, 'retention.maxGap');
    }
    const safety = asMapping(root.safety, 'retention.safety');
    checkKeys(safety, ['last', 'within'], 'retention.safety');
    if (safety.last !== undefined && safety.last !== null) {
      settings.safety.last = parseCount(safety.last, 'retention.safety.last');
    }
    if (safety.within !== undefined && safety.within !== null) {
      settings.safety.withinMs =
        String(safety.within).trim() === '0'
          ? 0
          : duration(safety.within, 'retention.safety.within');
    }
    const hooks = asMapping(root.webhooks, 'retention.webhooks');
    checkKeys(hooks, ['failure'], 'retention.webhooks');
    const url = hooks.failure;
    if (url !== undefined && url !== null && url !== '') {
      if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) {
        throw new PolicyError('retention.webhooks.failure must be an http:// or https:// URL');
      }
      settings.failureWebhook = url;
    }
    return settings;
  } catch (error) {
    if (error instanceof PolicyError) {
      throw new PolicyError(`settings file ${file}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * The retention settings, or undefined when the settings file has no `retention:` section.
 * Throws a config error (78) for a broken section or file; nothing else reads this section.
 */
export async function readRetentionSettings(
  configDir: string,
): Promise<RetentionSettings | undefined> {
  const section = await readSettingsSection(configDir, 'retention');
  if (!section) return undefined;
  return parseRetentionSection(section.value, section.file);
}
