import { createInterface } from 'node:readline/promises';
import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption } from '../cli/parse-args.ts';
import {
  ExitCode,
  exitCodeOf,
  messageOf,
  OvenaError,
  signalExitCode,
  UsageError,
} from '../errors.ts';
import { formatTimestamp } from '../format.ts';
import { checkLines } from '../images/check-lines.ts';
import { composeCheckTarget, quickCheckTarget } from '../images/check-target.ts';
import { writeLastImagesCheck } from '../images/last-check.ts';
import { progressReporter } from '../images/progress.ts';
import type { ReconcileReport } from '../images/reconcile.ts';
import { takeCheckLock, takeReconcileLock } from '../images/reconcile-guard.ts';
import { runImagesCheck } from '../images/run-check.ts';
import { redactSecrets } from '../secrets/redact.ts';

/** `ovena images check`: 0 everything matches, 1 differences, 2 the check could not run. */
export async function runCheckCommand(context: CommandContext): Promise<number> {
  const progress = progressReporter(context.io.stderr, context.interactive);
  const { signal } = context;
  let aborted: unknown;
  // A refused lock (a restore or a reconcile runs) is exit 75, not a check that could not run.
  const lock = await takeCheckLock(context.paths.stateDir);
  try {
    let check: Awaited<ReturnType<typeof runImagesCheck>>;
    try {
      // The containers by their compose labels (one docker ps); compose (loaded then) only when that fails.
      const target =
        (await quickCheckTarget(context.paths.composeFiles, context.env, signal)) ??
        composeCheckTarget(await (await import('../compose/open-compose.ts')).openCompose(context));
      check = await runImagesCheck(target, { signal, onProgress: progress.update });
    } finally {
      progress.end();
      if (signal.aborted) aborted = signal.reason;
    }
    await writeLastImagesCheck(context.paths.stateDir, check);
    if (context.json) writeLine(context.io.stdout, JSON.stringify(check, null, 2));
    else for (const line of checkLines(check)) writeLine(context.io.stdout, line);
    return check.result === 'clean' ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    if (aborted !== undefined) {
      writeLine(context.io.stderr, 'ovena: images check interrupted: nothing was changed');
      return signalExitCode(aborted);
    }
    const message = redactSecrets(messageOf(error));
    await writeLastImagesCheck(context.paths.stateDir, {
      at: new Date().toISOString(),
      result: 'failed',
      error: message,
    }).catch(() => {});
    if (context.json)
      writeLine(context.io.stdout, JSON.stringify({ error: message, exitCode: ExitCode.critical }));
    else writeLine(context.io.stderr, `ovena: the images check could not run: ${message}`);
    return ExitCode.critical;
  } finally {
    await lock.release();
  }
}

async function typedConfirmation(
  context: CommandContext,
  count: number,
  report: string,
): Promise<boolean> {
  const prompt = createInterface({ input: context.io.stdin, output: context.io.stderr });
  try {
    const answer = await prompt.question(
      `Delete ${count} instance${count === 1 ? '' : 's'} whose DICOM file is missing from Orthanc's index (list: ${report})? Type "forget" to confirm, Enter to keep them: `,
      { signal: context.signal },
    );
    return answer.trim() === 'forget';
  } finally {
    prompt.close();
  }
}

export function reconcileSummary(report: ReconcileReport): string[] {
  const after = report.after;
  return [
    `Re-ingested ${report.ingested.count} orphan files${report.ingestRate ? ` (${report.ingestRate} files/s)` : ''}; moved ${report.quarantined.count} to ${report.quarantine ?? '(no orphans)'}; ${report.failed.count} refused by Orthanc; forgot ${report.forgotten.count} instances.`,
    ...(report.reportFile ? [`Report: ${report.reportFile}`] : []),
    after
      ? report.result === 'clean'
        ? `OK: all ${after.matched} image files now match the index.`
        : `DIFFERENCES remain: ${after.missing} missing, ${after.orphans} orphans, ${after.sizeMismatches} size mismatches${after.missing > 0 ? ' ("--forget-missing" removes the missing instances from the index)' : ''}.`
      : '',
  ].filter(Boolean);
}

/** `ovena images reconcile`: 0 done and clean, 1 differences remain, 64, 69, 75. */
export async function runReconcileCommand(context: CommandContext): Promise<number> {
  const forgetMissing = booleanOption(context.options, 'forget-missing');
  if (forgetMissing && !context.interactive && !context.yes) {
    throw new UsageError(
      '--forget-missing deletes instances from the index and needs a confirmation: off a terminal, pass --yes',
    );
  }
  // Loaded here: \`images check\` needs neither compose's YAML nor the DICOM parser (~0.2 s).
  const [{ openCompose }, { reconcileImages }] = await Promise.all([
    import('../compose/open-compose.ts'),
    import('../images/reconcile.ts'),
  ]);
  const compose = await openCompose(context);
  const lock = await takeReconcileLock(context.paths.stateDir);
  const progress = progressReporter(context.io.stderr, context.interactive);
  try {
    const report = await reconcileImages(compose, {
      forgetMissing,
      signal: context.signal,
      log: (line) => {
        progress.end();
        writeLine(context.io.stderr, `${formatTimestamp(Date.now())} ${line}`);
      },
      onProgress: progress.update,
      onCheck: (check) => writeLastImagesCheck(context.paths.stateDir, check),
      confirmForget: (count, file) =>
        context.yes ? Promise.resolve(true) : typedConfirmation(context, count, file),
    });
    progress.end();
    if (context.json) writeLine(context.io.stdout, JSON.stringify(report, null, 2));
    else for (const line of reconcileSummary(report)) writeLine(context.io.stdout, line);
    return report.result === 'clean' ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    progress.end();
    // Interrupted: the exit code is the signal's (130, 143, 129), whatever the step said.
    if (context.signal.aborted)
      throw new OvenaError(messageOf(error), signalExitCode(context.signal.reason));
    if (error instanceof OvenaError) throw error;
    throw new OvenaError(messageOf(error), exitCodeOf(error));
  } finally {
    await lock.release();
  }
}

export async function run(context: CommandContext): Promise<number> {
  const [sub, ...rest] = context.args;
  if (rest.length > 0)
    throw new UsageError(`unexpected argument "${rest[0]}" after "images ${sub}"`);
  if (sub === 'check') {
    if (booleanOption(context.options, 'forget-missing'))
      throw new UsageError('--forget-missing belongs to "ovena images reconcile"');
    return runCheckCommand(context);
  }
  if (sub === 'reconcile') return runReconcileCommand(context);
  throw new UsageError(
    sub === undefined
      ? 'images needs a subcommand: "ovena images check" or "ovena images reconcile"'
      : `unknown images subcommand "${sub}": use check or reconcile`,
  );
}
