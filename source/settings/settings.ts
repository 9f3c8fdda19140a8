import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ExitCode, OvenaError } from '../errors.ts';
import { parseDuration } from './duration.ts';

export type WebhookEvent = 'start' | 'success' | 'failure';

/** ovena's own settings, `${configDir}/ovena.yml`. Every key is optional; no file means defaults. */
export type Settings = {
  webhooks: Partial<Record<WebhookEvent, string>>;
  /** Oldest acceptable last backup for `ovena check` and the home screen, in ms. */
  maxBackupAgeMs?: number;
  /** `drill:` its own webhooks (never the backup's) and the oldest acceptable passing drill. */
  drill?: DrillSettings;
};

export type DrillSettings = {
  webhooks: Partial<Record<WebhookEvent, string>>;
  maxAgeMs?: number;
};

export const emptySettings: Settings = { webhooks: {} };

export function settingsPath(configDir: string): string {
  return path.join(configDir, 'ovena.yml');
}

function invalid(file: string, what: string): OvenaError {
  return new OvenaError(`settings file ${file}: ${what}`, ExitCode.config);
}

/** Parses the settings text; throws a config error (78) naming the file and the bad key. */
export function parseSettings(text: string, file: string): Settings {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw invalid(file, `not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''}); fix it`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { webhooks: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(file, 'expected a mapping');
  const root = value as Record<string, unknown>;
  const known = new Set(['webhooks', 'maxBackupAge', 'drill']);
  for (const key of Object.keys(root)) {
    if (!known.has(key))
      throw invalid(file, `unknown key "${key}" (known: webhooks, maxBackupAge, drill)`);
  }
  const settings: Settings = { webhooks: parseWebhooks(root.webhooks, 'webhooks', file) };
  if (root.drill !== undefined && root.drill !== null) {
    if (typeof root.drill !== 'object' || Array.isArray(root.drill))
      throw invalid(file, 'drill must be a mapping (keys: webhooks, maxAge)');
    const drill = root.drill as Record<string, unknown>;
    for (const key of Object.keys(drill)) {
      if (key !== 'webhooks' && key !== 'maxAge')
        throw invalid(file, `unknown key "drill.${key}" (known: webhooks, maxAge)`);
    }
    settings.drill = { webhooks: parseWebhooks(drill.webhooks, 'drill.webhooks', file) };
    if (drill.maxAge !== undefined && drill.maxAge !== null) {
      try {
        settings.drill.maxAgeMs = parseDuration(String(drill.maxAge), 'drill.maxAge');
      } catch (error) {
        throw invalid(file, (error as Error).message);
      }
    }
  }
  if (root.maxBackupAge !== undefined && root.maxBackupAge !== null) {
    try {
      settings.maxBackupAgeMs = parseDuration(String(root.maxBackupAge), 'maxBackupAge');
    } catch (error) {
      throw invalid(file, (error as Error).message);
    }
  }
  return settings;
}

function parseWebhooks(
  hooks: unknown,
  where: string,
  file: string,
): Partial<Record<WebhookEvent, string>> {
  const result: Partial<Record<WebhookEvent, string>> = {};
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

/** Reads `${configDir}/ovena.yml`; a missing file gives the defaults. */
export async function readSettings(configDir: string): Promise<Settings> {
  const file = settingsPath(configDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { webhooks: {} };
    if (code === 'EACCES') {
      throw new OvenaError(
        `cannot read settings file ${file} (permission denied): run as root`,
        ExitCode.noPermission,
      );
    }
    throw error;
  }
  return parseSettings(text, file);
}
