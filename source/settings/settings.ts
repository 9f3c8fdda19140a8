import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Compression } from '../dumps/compression.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { parseDuration } from './duration.ts';

export type WebhookEvent = 'start' | 'success' | 'failure';

/** ovena's own settings, `${configDir}/ovena.yml`. Every key is optional; no file means defaults. */
export type Settings = {
  webhooks: Partial<Record<WebhookEvent, string>>;
  /** Oldest acceptable last backup for `ovena check` and the home screen, in ms. */
  maxBackupAgeMs?: number;
  /** `backup.compression`: the backup's and the safety dump's compression; gzip when unset. */
  compression?: Compression;
  /**
   * Sections that could not be read, each with one sentence naming the file and the key. A broken
   * section disables only its own feature (the others keep working); `file` means the whole file
   * could not be parsed, which disables them all.
   */
  problems: SettingsProblem[];
  /** `drill:` its own webhooks (never the backup's) and the oldest acceptable passing drill. */
  drill?: DrillSettings;
};

export type DrillSettings = {
  webhooks: Partial<Record<WebhookEvent, string>>;
  maxAgeMs?: number;
};

/**
 * `anomaly` is only checked for shape here; its keys are read by the history room
 * (source/history/anomaly-settings.ts), whose errors never break the other sections.
 */
export type SettingsSection =
  | 'webhooks'
  | 'maxBackupAge'
  | 'backup'
  | 'anomaly'
  | 'retention'
  | 'drill';
/** `file`: the whole file is unreadable; `unknown`: a key ovena does not know (disables nothing). */
export type SettingsProblem = { section: SettingsSection | 'file' | 'unknown'; message: string };

export const emptySettings: Settings = { webhooks: {}, problems: [] };

export function settingsPath(configDir: string): string {
  return path.join(configDir, 'ovena.yml');
}

function invalid(file: string, what: string): OvenaError {
  return new OvenaError(`settings file ${file}: ${what}`, ExitCode.config);
}

function parseWebhooks(hooks: unknown, file: string, where = 'webhooks'): Settings['webhooks'] {
  const result: Settings['webhooks'] = {};
  if (hooks === undefined || hooks === null) return result;
  if (typeof hooks !== 'object' || Array.isArray(hooks)) {
    throw invalid(file, `${where} must be a mapping of start, success, failure to URLs`);
  }
  for (const [event, url] of Object.entries(hooks as Record<string, unknown>)) {
    if (event !== 'start' && event !== 'success' && event !== 'failure') {
      throw invalid(file, `unknown webhook "${event}" (known: start, success, failure)`);
    }
    if (url === null || url === undefined || url === '') continue;
    if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) {
      throw invalid(file, `${where}.${event} must be an http:// or https:// URL`);
    }
    result[event] = url;
  }
  return result;
}

function parseBackupSection(backup: unknown, file: string): Compression | undefined {
  if (backup === undefined || backup === null) return undefined;
  if (typeof backup !== 'object' || Array.isArray(backup)) {
    throw invalid(file, 'backup must be a mapping, e.g. "backup: {compression: zstd}"');
  }
  let compression: Compression | undefined;
  for (const [key, value] of Object.entries(backup as Record<string, unknown>)) {
    if (key !== 'compression')
      throw invalid(file, `unknown key "backup.${key}" (known: compression)`);
    if (value === null || value === undefined) continue;
    if (value !== 'gzip' && value !== 'zstd')
      throw invalid(file, 'backup.compression must be gzip or zstd');
    compression = value;
  }
  return compression;
}

/** `drill:` its own webhooks (never the backup's) and the oldest acceptable passing drill. */
function parseDrillSection(value: unknown, file: string): DrillSettings | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid(file, 'drill must be a mapping (keys: webhooks, maxAge)');
  const drill = value as Record<string, unknown>;
  for (const key of Object.keys(drill)) {
    if (key !== 'webhooks' && key !== 'maxAge')
      throw invalid(file, `unknown key "drill.${key}" (known: webhooks, maxAge)`);
  }
  const settings: DrillSettings = {
    webhooks: parseWebhooks(drill.webhooks, file, 'drill.webhooks'),
  };
  if (drill.maxAge !== undefined && drill.maxAge !== null) {
    try {
      settings.maxAgeMs = parseDuration(String(drill.maxAge), 'drill.maxAge');
    } catch (error) {
      throw invalid(file, (error as Error).message);
    }
  }
  return settings;
}

/**
 * Parses the settings text section by section: a broken section is recorded in `problems` and
 * left out; the other sections still apply. Never throws.
 */
export function parseSettings(text: string, file: string): Settings {
  const settings: Settings = { webhooks: {}, problems: [] };
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const detail = doc.errors[0]?.message.split('\n')[0] ?? '';
    settings.problems.push({
      section: 'file',
      message: invalid(file, `not valid YAML (${detail}); fix it`).message,
    });
    return settings;
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return settings;
  if (typeof value !== 'object' || Array.isArray(value)) {
    settings.problems.push({
      section: 'file',
      message: invalid(file, 'expected a mapping').message,
    });
    return settings;
  }
  const root = value as Record<string, unknown>;
  const sections: Record<SettingsSection, () => void> = {
    webhooks: () => {
      settings.webhooks = parseWebhooks(root.webhooks, file);
    },
    maxBackupAge: () => {
      if (root.maxBackupAge === undefined || root.maxBackupAge === null) return;
      try {
        settings.maxBackupAgeMs = parseDuration(String(root.maxBackupAge), 'maxBackupAge');
      } catch (error) {
        throw invalid(file, (error as Error).message);
      }
    },
    backup: () => {
      const compression = parseBackupSection(root.backup, file);
      if (compression) settings.compression = compression;
    },
    anomaly: () => {
      const anomaly = root.anomaly;
      if (anomaly === undefined || anomaly === null) return;
      if (typeof anomaly !== 'object' || Array.isArray(anomaly)) {
        throw invalid(
          file,
          'anomaly must be a mapping of minSizeRatio, maxDurationRatio, instancesMayDrop, webhook',
        );
      }
    },
    // `retention:` is parsed on its own by source/retention/retention-settings.ts (prune, status,
    // check): a broken retention section never turns off the backup or its webhooks.
    retention: () => {},
    drill: () => {
      const drill = parseDrillSection(root.drill, file);
      if (drill) settings.drill = drill;
    },
  };
  for (const [section, parse] of Object.entries(sections) as [SettingsSection, () => void][]) {
    try {
      parse();
    } catch (error) {
      settings.problems.push({ section, message: (error as Error).message });
    }
  }
  // An unknown key is reported, but disables nothing (it may belong to a newer ovena).
  for (const key of Object.keys(root)) {
    if (!(key in sections))
      settings.problems.push({
        section: 'unknown',
        message: invalid(file, `unknown key "${key}" (known: ${Object.keys(sections).join(', ')})`)
          .message,
      });
  }
  return settings;
}

/** Whether a feature's section was read (false when it or the whole file is broken). */
export function sectionBroken(settings: Settings, section: SettingsSection): boolean {
  return sectionProblem(settings, section) !== undefined;
}

function sectionProblem(settings: Settings, section: SettingsSection): SettingsProblem | undefined {
  return (
    settings.problems.find((entry) => entry.section === section) ??
    settings.problems.find((entry) => entry.section === 'file')
  );
}

/** For a command that cannot do without a section: exit 78 naming the key. */
export function requireSection(settings: Settings, section: SettingsSection): void {
  const problem = sectionProblem(settings, section);
  if (problem) throw new OvenaError(problem.message, ExitCode.config);
}

/** Throws the first problem (exit 78): for callers that need the whole file to be sound. */
export function requireSoundSettings(settings: Settings): void {
  const problem = settings.problems[0];
  if (problem) throw new OvenaError(problem.message, ExitCode.config);
}

/**
 * One top-level section of the settings file as plain data (undefined when the file or the section
 * is missing), for features that parse their own section. Throws a config error (78) when the file
 * is not valid YAML.
 */
export async function readSettingsSection(
  configDir: string,
  section: string,
): Promise<{ value: unknown; file: string } | undefined> {
  const file = settingsPath(configDir);
  const text = await readSettingsText(file);
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw invalid(file, `not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''}); fix it`);
  }
  const root: unknown = doc.toJS();
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return undefined;
  if (!Object.hasOwn(root, section)) return undefined;
  return { value: (root as Record<string, unknown>)[section], file };
}

async function readSettingsText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES') {
      throw new OvenaError(
        `cannot read settings file ${file} (permission denied): run as root`,
        ExitCode.noPermission,
      );
    }
    throw error;
  }
}

/** Reads `${configDir}/ovena.yml`; a missing file gives the defaults. */
export async function readSettings(configDir: string): Promise<Settings> {
  const file = settingsPath(configDir);
  const text = await readSettingsText(file);
  return text === undefined ? { webhooks: {}, problems: [] } : parseSettings(text, file);
}
