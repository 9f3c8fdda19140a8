import { backupJob } from '../backup/backup-job.ts';
import type { CommandContext } from '../cli/context.ts';
import { stringOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { defaultDumpName, validateDumpName } from '../dumps/dump-name.ts';
import { UsageError } from '../errors.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { writeLastBackup } from '../state/last-backup.ts';

export async function run(context: CommandContext): Promise<number> {
  // Refused before anything starts: no docker call, no lock, no record.
  const fileName = validateDumpName(stringOption(context.options, 'file') ?? defaultDumpName);
  if (context.args.length > 0) {
    throw new UsageError(
      `backup takes no arguments (got "${context.args.join(' ')}"): use --file=NAME`,
    );
  }
  const compose = await openCompose(context);
  const { job, state } = backupJob(compose, { fileName, stateDir: context.paths.stateDir });
  const started = Date.now();
  try {
    const result = await executeJob(job, context);
    // A run that never got the lock (another one is running) leaves the record to that one.
    if (state.outcome.locked || result.stoppedAt?.id === 'check-share') {
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
    }
    return result.exitCode;
  } finally {
    await state.lock?.release();
  }
}
