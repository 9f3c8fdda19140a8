import { createInterface } from 'node:readline/promises';
import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { defaultDumpName } from '../dumps/dump-name.ts';
import { checksError, ExitCode, OvenaError, UsageError } from '../errors.ts';
import { formatBytes, formatTimestamp } from '../format.ts';
import { executeJob, jsonOfResult } from '../jobs/execute-job.ts';
import { acquireLock } from '../lock/host-lock.ts';
import { besideJob } from '../restore/beside/beside-job.ts';
import { assertDiskEnough, besideDisk } from '../restore/beside/disk.ts';
import { dumpCountLines } from '../restore/plan-lines.ts';
import { preflightRestore, type RestoreOptions } from '../restore/preflight.ts';

/** Options that do not apply beside: said once, then ignored (the old database is the safety copy). */
export function ignoredBesideOptions(context: CommandContext): string[] {
  const lines: string[] = [];
  if (booleanOption(context.options, 'no-safety-dump'))
    lines.push(
      '--no-safety-dump is ignored with --beside: no safety dump is made, the previous database is kept as <db>_before_<UTC> instead',
    );
  if (booleanOption(context.options, 'no-fast-load'))
    lines.push(
      '--no-fast-load is ignored with --beside: the fast one-off server is for from-scratch restores; a beside load always runs on the live server',
    );
  return lines;
}

/** On a terminal without --yes: one typed "yes" (the previous database is kept, so no dump name). */
async function confirmBeside(context: CommandContext, database: string): Promise<boolean> {
  const prompt = createInterface({ input: context.io.stdin, output: context.io.stdout });
  try {
    const answer = await prompt.question(
      `Load it beside ${database} while Orthanc runs, then switch (Orthanc stops for seconds; ${database} is kept as ${database}_before_<UTC>)? Type yes: `,
    );
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}

/** `ovena --file=NAME restore --beside`: load beside the live database, switch in seconds. */
export async function runBeside(context: CommandContext, options: RestoreOptions): Promise<number> {
  if (!context.yes && !context.interactive) {
    throw new UsageError(
      'restore --beside switches Orthanc to the restored database and needs a confirmation: off a terminal, pass --yes',
    );
  }
  const out = context.json ? context.io.stderr : context.io.stdout;
  for (const line of ignoredBesideOptions(context)) writeLine(out, line);
  const compose = await openCompose(context);
  const { signal } = context;
  const stateDir = context.paths.stateDir;
  const name = options.file ?? defaultDumpName;
  const say = (line: string) => writeLine(out, `${formatTimestamp(Date.now())} preflight: ${line}`);
  // The load runs beside backups; only the switch takes the exclusive restore lock.
  const lock = await acquireLock(stateDir, 'beside-load', { detail: `of ${name}` });
  try {
    let plan: Awaited<ReturnType<typeof preflightRestore>>;
    let disk: Awaited<ReturnType<typeof besideDisk>>;
    try {
      plan = await preflightRestore(compose, name, {
        stateDir,
        noSafetyDump: true,
        signal,
        onStatus: say,
      });
      const database = plan.current.database;
      if (!database || database.schemaVersion === undefined) {
        throw new OvenaError(
          `the live database ${compose.project.dbName} is not healthy (${database ? 'it holds no Orthanc index' : plan.safetyDump.make ? 'it cannot be read' : plan.safetyDump.reason}): a beside restore needs it answering; restore from scratch ("ovena --file=${name} restore --yes")`,
          ExitCode.unavailable,
        );
      }
      disk = await besideDisk(compose, plan.dump, signal);
      say(
        `disk: the new database needs about ${formatBytes(disk.needBytes)} in the database volume, ${formatBytes(disk.freeBytes)} free`,
      );
      assertDiskEnough(disk, plan.dump);
    } catch (error) {
      throw checksError(error, signal);
    }
    await lock.describe(`of ${plan.dump.name}`);
    writeLine(out, `Mode        beside: ${compose.project.dbName} keeps serving during the load`);
    writeLine(out, `Dump        ${plan.dump.name} (${formatBytes(plan.dump.sizeBytes)})`);
    for (const line of dumpCountLines(plan)) writeLine(out, line);
    if (!context.yes && !(await confirmBeside(context, compose.project.dbName))) {
      writeLine(out, 'Restore cancelled: nothing was changed.');
      return ExitCode.ok;
    }
    const job = besideJob(compose, plan, { stateDir, start: options.start !== false });
    const result = await executeJob(job, context, { jsonDocument: false });
    if (context.json) {
      const { names, loaded, downtimeMs, switched } = job.outcome;
      writeLine(
        context.io.stdout,
        JSON.stringify({
          ...jsonOfResult(job, result),
          mode: 'beside',
          switched,
          before: switched ? (names?.before ?? null) : null,
          downtimeSeconds: downtimeMs === undefined ? null : Math.round(downtimeMs / 100) / 10,
          counts: loaded?.counts ?? null,
          disk: { needBytes: disk.needBytes, freeBytes: disk.freeBytes },
        }),
      );
    }
    return result.exitCode;
  } finally {
    await lock.release();
  }
}
