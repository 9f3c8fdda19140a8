import type { Compose } from '../compose/compose.ts';
import { ExitCode, messageOf, OvenaError } from '../errors.ts';
import type { JobResult } from '../jobs/job.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { describeAnomaly, detectAnomaly, unacknowledgedAnomalies } from './anomaly.ts';
import { defaultAnomalySettings, readAnomalySettings } from './anomaly-settings.ts';
import { appendHistory, describeCorrupt, type HistoryEntry, readHistory } from './history-file.ts';
import { notifyAnomaly } from './notify-anomaly.ts';

/** Instances in Orthanc's index (Resources of type 3), read from the database itself. */
export const countInstancesSql = 'SELECT count(*) FROM Resources WHERE resourceType = 3';

/**
 * Orthanc's instance count, read from the database right before a dump. undefined when the
 * database has no Orthanc index or cannot be asked: the count is evidence, never a reason to fail.
 */
export async function countOrthancInstances(
  compose: Compose,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const { dbService, dbUser, dbName } = compose.project;
  try {
    const text = await compose.execCapture(
      dbService,
      [
        'psql',
        '-X',
        '-q',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-U',
        dbUser,
        '-d',
        dbName,
        '-c',
        countInstancesSql,
      ],
      signal ? { signal } : {},
    );
    const count = Number(text.trim());
    return text.trim() !== '' && Number.isInteger(count) ? count : undefined;
  } catch {
    signal?.throwIfAborted();
    return undefined;
  }
}

export type BackupRun = {
  at: string;
  file: string;
  result: 'ok' | 'failed';
  durationMs: number;
  bytes?: number;
  instances?: number | undefined;
  tables?: number | undefined;
  error?: string;
};

/** The history's view of a finished backup job (same error text as the last-backup record). */
export function backupRunOf(
  outcome: {
    file: string;
    sizeBytes: number;
    durationMs: number;
    instances?: number | undefined;
    tables?: number | undefined;
  },
  result: Pick<JobResult, 'outcome' | 'error' | 'stoppedAt'>,
  started: number,
  now = Date.now(),
): BackupRun {
  const ok = result.outcome === 'succeeded';
  return {
    at: new Date(now).toISOString(),
    file: outcome.file,
    result: ok ? 'ok' : 'failed',
    durationMs: ok ? outcome.durationMs : now - started,
    ...(ok ? { bytes: outcome.sizeBytes } : {}),
    ...(ok && outcome.instances !== undefined ? { instances: outcome.instances } : {}),
    ...(ok && outcome.tables !== undefined ? { tables: outcome.tables } : {}),
    ...(ok
      ? {}
      : {
          error: redactSecrets(
            result.outcome === 'interrupted'
              ? `interrupted during "${result.stoppedAt?.title ?? '?'}"`
              : (result.error ?? 'failed'),
          ),
        }),
  };
}

/**
 * After a backup: checks a successful run against the history (the anomaly guard), appends it,
 * and sends `backup.anomaly` to `anomaly.webhook` when flagged. Never throws: the history and the
 * alarm must not fail a backup whose dump is published. Log lines go to `log`.
 */
export async function recordBackupRun(options: {
  stateDir: string;
  configDir: string;
  run: BackupRun;
  log(line: string): void;
}): Promise<HistoryEntry | undefined> {
  const { stateDir, configDir, run, log } = options;
  const settings = await readAnomalySettings(configDir).catch((error: unknown) => {
    log(`warning: ${redactSecrets(messageOf(error))}; the anomaly guard uses its defaults`);
    return defaultAnomalySettings;
  });
  try {
    const { entries, corruptLines } = await readHistory(stateDir);
    if (corruptLines.length > 0) log(`warning: ${describeCorrupt(stateDir, corruptLines)}`);
    const entry: HistoryEntry = {
      at: run.at,
      kind: 'backup',
      file: run.file,
      result: run.result,
      durationMs: run.durationMs,
      ...(run.bytes === undefined ? {} : { bytes: run.bytes }),
      ...(run.instances === undefined ? {} : { instances: run.instances }),
      ...(run.tables === undefined ? {} : { tables: run.tables }),
      ...(run.error === undefined ? {} : { error: run.error }),
    };
    if (run.result === 'ok') {
      const reasons = detectAnomaly(
        entries,
        {
          file: run.file,
          bytes: run.bytes ?? 0,
          durationMs: run.durationMs,
          instances: run.instances,
        },
        settings,
      );
      if (reasons.length > 0) entry.anomaly = reasons;
    }
    await appendHistory(stateDir, entry);
    if (entry.anomaly) {
      log(`ANOMALY: ${describeAnomaly(entry)}`);
      const line = await notifyAnomaly(settings.webhook, entry);
      if (line) log(line);
    }
    return entry;
  } catch (error) {
    log(`warning: could not record the run in the history: ${redactSecrets(messageOf(error))}`);
    return undefined;
  }
}

/**
 * After a successful restore (or anything else ovena does that changes the index on purpose):
 * records the instance count it leaves, so the next backup compares with that, not with the
 * backup before. Never throws.
 */
export async function recordInstanceBaseline(
  stateDir: string,
  entry: Omit<HistoryEntry, 'at' | 'result'> & { at?: string },
): Promise<string | undefined> {
  try {
    await appendHistory(stateDir, { at: new Date().toISOString(), result: 'ok', ...entry });
    return undefined;
  } catch (error) {
    return `could not record the ${entry.kind} in the history: ${messageOf(error)}`;
  }
}

/** At the end of a successful restore: the instance count and tables the loaded dump left. */
export function recordRestore(
  stateDir: string,
  file: string,
  startedAt: number,
  loaded: { instances?: number | undefined; tables: number },
): Promise<string | undefined> {
  return recordInstanceBaseline(stateDir, {
    kind: 'restore',
    file,
    durationMs: Date.now() - startedAt,
    ...(loaded.instances === undefined ? {} : { instances: loaded.instances }),
    tables: loaded.tables,
  });
}

/** The newest backup the guard flagged that nobody acknowledged yet (for prune, check, status). */
export async function unacknowledgedAnomaly(stateDir: string): Promise<HistoryEntry | undefined> {
  const { entries } = await readHistory(stateDir);
  return unacknowledgedAnomalies(entries).at(-1);
}

/**
 * For `ovena prune` (and anything else that removes dumps): refuses, exit 1, while a flagged
 * backup is not acknowledged, whatever --force says.
 */
export async function assertNoUnacknowledgedAnomaly(
  stateDir: string,
  action = 'prune',
): Promise<void> {
  const entry = await unacknowledgedAnomaly(stateDir);
  if (entry) {
    throw new OvenaError(`${action} refused: ${describeAnomaly(entry)}`, ExitCode.failed);
  }
}

/** Who runs ovena: the operator behind sudo, else the user. */
export function operatorName(env: NodeJS.ProcessEnv): string {
  return env.SUDO_USER || env.USER || env.LOGNAME || 'unknown';
}

/** `ovena history --ack`: records who acknowledged the pending anomalies and when. */
export async function acknowledgeAnomaly(
  stateDir: string,
  by: string,
  now = new Date(),
): Promise<{ acknowledged: HistoryEntry[]; entry?: HistoryEntry }> {
  const { entries } = await readHistory(stateDir);
  const pending = unacknowledgedAnomalies(entries);
  const newest = pending.at(-1);
  if (!newest) return { acknowledged: [] };
  const entry: HistoryEntry = {
    at: now.toISOString(),
    kind: 'ack',
    result: 'ok',
    durationMs: 0,
    by,
    acknowledges: newest.at,
    ...(newest.file === undefined ? {} : { file: newest.file }),
  };
  await appendHistory(stateDir, entry);
  return { acknowledged: pending, entry };
}
