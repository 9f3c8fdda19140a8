import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ExitCode, OvenaError } from '../errors.ts';
import { settingsPath } from '../settings/settings.ts';
import { type AnomalyThresholds, defaultThresholds } from './anomaly.ts';

/**
 * The `anomaly:` section of /etc/ovena/ovena.yml, parsed on its own (the rest of the file is
 * the settings module's):
 *
 *     anomaly:
 *       minSizeRatio: 0.5       # a dump below 50 % of the median is anomalous
 *       maxDurationRatio: 4     # a run over 4x the median duration is anomalous
 *       instancesMayDrop: 0     # instances the index may lose (true: never flag a drop)
 *       webhook: https://...    # receives event backup.anomaly
 */
export type AnomalySettings = AnomalyThresholds & { webhook?: string };

export const defaultAnomalySettings: AnomalySettings = { ...defaultThresholds };

const keys = ['minSizeRatio', 'maxDurationRatio', 'instancesMayDrop', 'webhook'] as const;

function invalid(file: string, what: string): OvenaError {
  return new OvenaError(`settings file ${file}: ${what}`, ExitCode.config);
}

function positiveNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
}

/** Parses the `anomaly:` section of the settings text; throws a config error (78) naming the key. */
export function parseAnomalySettings(text: string, file: string): AnomalySettings {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw invalid(file, `not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''}); fix it`);
  }
  const root: unknown = doc.toJS();
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    return { ...defaultAnomalySettings };
  }
  const section = (root as Record<string, unknown>).anomaly;
  if (section === undefined || section === null) return { ...defaultAnomalySettings };
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw invalid(file, `anomaly must be a mapping of ${keys.join(', ')}`);
  }
  const values = section as Record<string, unknown>;
  const settings: AnomalySettings = { ...defaultAnomalySettings };
  for (const [key, value] of Object.entries(values)) {
    if (!(keys as readonly string[]).includes(key)) {
      throw invalid(file, `unknown key "anomaly.${key}" (known: ${keys.join(', ')})`);
    }
    if (value === null || value === undefined || value === '') continue;
    const shown = JSON.stringify(value);
    if (key === 'minSizeRatio') {
      const ratio = positiveNumber(value);
      if (ratio === undefined || ratio > 1) {
        throw invalid(
          file,
          `anomaly.minSizeRatio must be a positive number no greater than 1, e.g. 0.5 (got ${shown})`,
        );
      }
      settings.minSizeRatio = ratio;
    } else if (key === 'maxDurationRatio') {
      const ratio = positiveNumber(value);
      if (ratio === undefined || ratio < 1) {
        throw invalid(
          file,
          `anomaly.maxDurationRatio must be a positive number of at least 1, e.g. 4 (got ${shown})`,
        );
      }
      settings.maxDurationRatio = ratio;
    } else if (key === 'instancesMayDrop') {
      if (value === true) settings.instancesMayDrop = Number.POSITIVE_INFINITY;
      else if (value === false || value === 0 || value === '0') settings.instancesMayDrop = 0;
      else {
        const count = positiveNumber(value);
        if (count === undefined || !Number.isInteger(count)) {
          throw invalid(
            file,
            `anomaly.instancesMayDrop must be a positive whole number of instances, 0, true or false (got ${shown})`,
          );
        }
        settings.instancesMayDrop = count;
      }
    } else {
      if (
        typeof value !== 'string' ||
        !/^https?:\/\/[^\s]+$/i.test(value) ||
        !URL.canParse(value)
      ) {
        throw invalid(file, 'anomaly.webhook must be an http:// or https:// URL');
      }
      settings.webhook = value;
    }
  }
  return settings;
}

/** Reads the `anomaly:` section of `${configDir}/ovena.yml`; no file or no section: defaults. */
export async function readAnomalySettings(configDir: string): Promise<AnomalySettings> {
  const file = settingsPath(configDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ...defaultAnomalySettings };
    if (code === 'EACCES') {
      throw new OvenaError(
        `cannot read settings file ${file} (permission denied): run as root`,
        ExitCode.noPermission,
      );
    }
    throw error;
  }
  return parseAnomalySettings(text, file);
}
