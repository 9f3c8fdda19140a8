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
  // `retention:` is parsed on its own (source/retention/retention-settings.ts): a broken
  // retention section must never turn off the backup's webhooks.
  const known = new Set(['webhooks', 'maxBackupAge', 'retention']);
  for (const key of Object.keys(root)) {
    if (!known.has(key))
      throw invalid(file, `unknown key "${key}" (known: webhooks, maxBackupAge, retention)`);
  }
  const settings: Settings = { webhooks: {} };
  const hooks = root.webhooks;
  if (hooks !== undefined && hooks !== null) {
    if (typeof hooks !== 'object' || Array.isArray(hooks)) {
      throw invalid(file, 'webhooks must be a mapping of start, success, failure to URLs');
    }
    for (const [event, url] of Object.entries(hooks as Record<string, unknown>)) {
      if (event !== 'start' && event !== 'success' && event !== 'failure') {
        throw invalid(file, `unknown webhook "${event}" (known: start, success, failure)`);
      }
      if (url === null || url === undefined || url === '') continue;
      if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) {
        throw invalid(file, `webhooks.${event} must be an http:// or https:// URL`);
      }
      settings.webhooks[event] = url;
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
  return text === undefined ? { webhooks: {} } : parseSettings(text, file);
}
