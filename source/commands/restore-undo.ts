import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { UsageError } from '../errors.ts';
import { executeJob, jsonOfResult } from '../jobs/execute-job.ts';
import { acquireLock } from '../lock/host-lock.ts';
import { undoJob } from '../restore/beside/undo-job.ts';
import type { RestoreOptions } from '../restore/preflight.ts';

/** `ovena restore --undo`: switch back to the newest `<db>_before_*` database. */
export async function runUndo(context: CommandContext, options: RestoreOptions): Promise<number> {
  for (const other of ['beside', 'dry-run', 'no-safety-dump'])
    if (booleanOption(context.options, other))
      throw new UsageError(
        `restore --undo takes no --${other}: it switches back to a kept database`,
      );
  if (options.file !== undefined)
    throw new UsageError('restore --undo takes no --file: it switches back to a kept database');
  if (!context.yes)
    throw new UsageError(
      'restore --undo switches Orthanc to the previous database and needs a confirmation: pass --yes',
    );
  const compose = await openCompose(context);
  const lock = await acquireLock(context.paths.stateDir, 'restore', { detail: '--undo' });
  try {
    const job = undoJob(compose, {
      stateDir: context.paths.stateDir,
      start: options.start !== false,
    });
    const result = await executeJob(job, context, { jsonDocument: false });
    if (context.json) {
      writeLine(
        context.io.stdout,
        JSON.stringify({
          ...jsonOfResult(job, result),
          mode: 'undo',
          live: job.outcome.names?.incoming ?? null,
          before: job.outcome.names?.before ?? null,
          downtimeSeconds:
            job.outcome.downtimeMs === undefined
              ? null
              : Math.round(job.outcome.downtimeMs / 100) / 10,
        }),
      );
    }
    return result.exitCode;
  } finally {
    await lock.release();
  }
}
