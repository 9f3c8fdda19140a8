import { backupJob } from '../backup/backup-job.ts';
import { writeLastBackup } from '../backup/last-backup.ts';
import type { CommandContext } from '../cli/context.ts';
import { booleanOption, stringOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { parseCompression } from '../dumps/compression.ts';
import { defaultDumpName, publishedDumpName, validateDumpName } from '../dumps/dump-name.ts';
import { stemOf, timestampedFileName } from '../dumps/stamped-names.ts';
import { signalExitCode, UsageError } from '../errors.ts';
import { formatTimestamp } from '../format.ts';
import { backupRunOf, recordBackupRun } from '../history/guard.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { recordStem } from '../retention/retention-state.ts';
import { emptySettings, readSettings, type Settings } from '../settings/settings.ts';
import { describeNotify, type NotifyResult, notifyBackup } from '../webhooks/notify-backup.ts';

export async function run(context: CommandContext): Promise<number> {
  // Refused before anything starts: no docker call, no lock, no record.
  const givenName = validateDumpName(stringOption(context.options, 'file') ?? defaultDumpName);
  // --timestamp: STEM-YYYYMMDDTHHMMSSZ.sql (UTC), published as .sql.gz or .sql.zst. The backup never reads the retention policy.
  const timestamped = booleanOption(context.options, 'timestamp');
  const fileName = timestamped
    ? validateDumpName(timestampedFileName(givenName, Date.now()))
    : givenName;
  if (context.args.length > 0) {
    throw new UsageError(
      `backup takes no arguments (got "${context.args.join(' ')}"): use --file=NAME`,
    );
  }
  const compressOption = stringOption(context.options, 'compress');
  if (compressOption !== undefined) parseCompression(compressOption);
  const compose = await openCompose(context);
  const log = (line: string) =>
    (context.json ? context.io.stderr : context.io.stdout).write(
      `${formatTimestamp(Date.now())} ${line}\n`,
    );
  // A broken settings file must not stop the hourly backup: warn, and back up without webhooks.
  const settings: Settings = await readSettings(context.paths.configDir).catch((error: unknown) => {
    log(`warning: ${(error as Error).message}; backing up without webhooks`);
    return emptySettings;
  });
  for (const problem of settings.problems) {
    if (problem.section === 'maxBackupAge') continue; // not the backup's: check and home say it
    const effect =
      problem.section === 'unknown'
        ? 'ignored'
        : problem.section === 'backup'
          ? 'compressing with gzip'
          : 'backing up without webhooks';
    log(`warning: ${problem.message}; ${effect}`);
  }
  const { signal } = context;
  const reportWebhook = (event: 'start' | 'success' | 'failure', result: NotifyResult) => {
    const line = describeNotify(event, result);
    if (line) log(line);
  };
  const compression = compressOption
    ? parseCompression(compressOption)
    : (settings.compression ?? 'gzip');
  const { job, state } = backupJob(compose, {
    fileName,
    stateDir: context.paths.stateDir,
    compression,
  });
  const started = Date.now();
  // Every webhook event names the dump as published (x.sql.gz), never a path.
  const file = publishedDumpName(fileName, compression);
  try {
    // Not awaited before the job: a slow monitoring service must not delay the backup.
    const startNotice = notifyBackup(settings, 'start', { file }, { signal });
    const result = await executeJob(job, context);
    reportWebhook('start', await startNotice);
    // A run that never got the lock (another one is running) leaves record and alarms to that one.
    const counts = state.outcome.locked || result.stoppedAt?.id === 'check-share';
    if (counts) {
      const ok = result.outcome === 'succeeded';
      await writeLastBackup(context.paths.stateDir, {
        at: new Date().toISOString(),
        file: state.outcome.file,
        sizeBytes: ok ? state.outcome.sizeBytes : 0,
        durationMs: ok ? state.outcome.durationMs : Date.now() - started,
        result: ok ? 'ok' : 'failed',
        ...(ok
          ? {}
          : {
              error:
                result.outcome === 'interrupted'
                  ? `interrupted during "${result.stoppedAt?.title ?? '?'}"`
                  : (result.error ?? 'failed'),
            }),
      }).catch((error: unknown) => {
        context.io.stderr.write(
          `ovena: could not record the backup result in ${context.paths.stateDir}: ${(error as Error).message}\n`,
        );
      });
      // Prune only considers stems a timestamped backup wrote on this host.
      if (ok && timestamped) {
        await recordStem(context.paths.stateDir, stemOf(givenName)).catch((error: unknown) => {
          context.io.stderr.write(
            `ovena: could not record the dump name's stem in ${context.paths.stateDir}: ${(error as Error).message}\n`,
          );
        });
      }
      // The record first: it matters more than the alarm.
      reportWebhook(
        ok ? 'success' : 'failure',
        await notifyBackup(
          settings,
          ok ? 'success' : 'failure',
          ok
            ? {
                file,
                sizeBytes: state.outcome.sizeBytes,
                durationMs: state.outcome.durationMs,
              }
            : { file, error: result.error ?? result.outcome },
          { signal },
        ),
      );
      // The history and the anomaly guard (never fails the backup; flags go to the log and check).
      await recordBackupRun({
        stateDir: context.paths.stateDir,
        configDir: context.paths.configDir,
        run: backupRunOf(state.outcome, result, started),
        log,
      });
    }
    if (result.outcome !== 'interrupted' && signal.aborted) {
      // The signal came after the job (while the record or a webhook was being sent).
      log(
        `interrupted (${String(signal.reason)}) while reporting the result: the backup itself ${result.outcome === 'succeeded' ? 'succeeded and is recorded' : 'had already ended'}`,
      );
      return signalExitCode(signal.reason);
    }
    return result.exitCode;
  } finally {
    await state.lock?.release();
  }
}
