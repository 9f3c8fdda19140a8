import { createInterface } from 'node:readline/promises';
import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption, stringOption } from '../cli/parse-args.ts';
import type { Compose } from '../compose/compose.ts';
import { openCompose } from '../compose/open-compose.ts';
import { listDumps, listDumpsQuick } from '../dumps/list-dumps.ts';
import { removeDumps } from '../dumps/remove-dumps.ts';
import { ExitCode, exitCodeOf, messageOf, UsageError } from '../errors.ts';
import { formatTimestamp } from '../format.ts';
import { acquireLock } from '../lock/host-lock.ts';
import { type BeforeDecision, beforeLines, pruneBefore } from '../restore/beside/prune-before.ts';
import { notifyPruneFailure } from '../retention/notify-prune.ts';
import type { GfsPolicy, GfsRule } from '../retention/policy.ts';
import { type PruneReport, prune, pruneExitCode } from '../retention/prune.ts';
import { outcomeLines, planLines, policyLine, reportJson } from '../retention/report-lines.ts';
import { defaultBeforePolicy, readRetentionSettings } from '../retention/retention-settings.ts';

const flags: Array<[GfsRule, string]> = [
  ['last', 'keep-last'],
  ['hourly', 'keep-hourly'],
  ['daily', 'keep-daily'],
  ['weekly', 'keep-weekly'],
  ['monthly', 'keep-monthly'],
];

/** --keep-* values: whole numbers >= 0, else usage (64) naming the flag. */
export function overridesOf(options: CommandContext['options']): Partial<GfsPolicy> {
  const overrides: Partial<GfsPolicy> = {};
  for (const [rule, flag] of flags) {
    const value = stringOption(options, flag);
    if (value === undefined) continue;
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new UsageError(`--${flag} must be a whole number of 0 or more (got "${value}")`);
    }
    overrides[rule] = Number(value);
  }
  return overrides;
}

async function askToConfirm(context: CommandContext): Promise<boolean> {
  const prompt = createInterface({ input: context.io.stdin, output: context.io.stdout });
  try {
    const answer = await prompt.question(
      'This policy is new: apply it now, and from now on on every run? Type yes to apply, Enter to leave it: ',
    );
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}

/** `ovena prune [--dry-run] [--json] [--force] [--keep-last N ...]`. */
export async function run(context: CommandContext): Promise<number> {
  if (context.args.length > 0) {
    throw new UsageError(`prune takes no arguments (got "${context.args.join(' ')}")`);
  }
  const overrides = overridesOf(context.options);
  const dryRun = booleanOption(context.options, 'dry-run');
  const force = booleanOption(context.options, 'force');
  if (dryRun && force) throw new UsageError('--dry-run and --force exclude each other');
  const out = context.json ? context.io.stderr : context.io.stdout;
  const log = (line: string) => writeLine(out, `${formatTimestamp(Date.now())} prune: ${line}`);
  // Compose (about 2 s with v1) is opened only when needed: the listing finds the db container by
  // its labels, and a bad policy or a refusal needs no docker at all.
  let composeReady: Promise<Compose> | undefined;
  const opened = () => {
    composeReady ??= openCompose(context);
    return composeReady;
  };
  const runOnce = async (mode: { dryRun: boolean; force: boolean }): Promise<PruneReport> => {
    return prune({
      stateDir: context.paths.stateDir,
      configDir: context.paths.configDir,
      cronDir: context.paths.cronDir,
      overrides,
      ...mode,
      signal: context.signal,
      listDumps: async (signal) =>
        (await listDumpsQuick(context.paths.composeFiles, context.env, signal)) ??
        listDumps(await opened(), signal),
      removeDumps: async (names, signal) => removeDumps(await opened(), names, signal),
      onPlan: (report) => {
        if (context.json) return;
        log(policyLine(report));
        for (const line of planLines(report)) writeLine(out, `  ${line}`);
      },
    });
  };
  let report: PruneReport;
  try {
    report = await runOnce({ dryRun, force });
    if (
      context.interactive &&
      report.refusal?.rule === 'unconfirmed-policy' &&
      (await askToConfirm(context))
    ) {
      report = await runOnce({ dryRun: false, force: true });
    }
  } catch (error) {
    if (!dryRun)
      await alert(context, { error: messageOf(error), exitCode: exitCodeOf(error) }, log);
    throw error;
  }
  const before = await pruneKeptDatabases(context, report, opened, log);
  if (context.json)
    writeLine(
      context.io.stdout,
      JSON.stringify({ ...(reportJson(report) as Record<string, unknown>), before }),
    );
  else for (const line of outcomeLines(report)) log(line);
  const exitCode = pruneExitCode(report);
  if (!report.dryRun && exitCode !== ExitCode.ok && report.refusal) {
    await alert(
      context,
      { error: report.refusal.message, rule: report.refusal.rule, exitCode },
      log,
    );
  }
  return exitCode;
}

/**
 * Issue 18: the `<db>_before_*` databases beyond `retention.before`, under the prune lock. When
 * the dumps' prune is refused (any rule: a new policy, an anomaly, failing backups...), nothing is
 * dropped either: the plan is shown only.
 */
async function pruneKeptDatabases(
  context: CommandContext,
  report: PruneReport,
  opened: () => Promise<Compose>,
  log: (line: string) => void,
): Promise<BeforeDecision[] | null> {
  const planOnly = report.dryRun || report.refusal !== undefined;
  const lock = planOnly ? undefined : await acquireLock(context.paths.stateDir, 'prune');
  try {
    const settings = await readRetentionSettings(context.paths.configDir);
    const decisions = await pruneBefore(await opened(), {
      policy: settings?.before ?? defaultBeforePolicy,
      dryRun: planOnly,
      force: booleanOption(context.options, 'force'),
      signal: context.signal,
    });
    if (!context.json) for (const line of beforeLines(decisions)) log(`database ${line}`);
    return decisions;
  } catch (error) {
    log(`kept databases: not pruned (${messageOf(error)})`);
    return null;
  } finally {
    await lock?.release();
  }
}

/** A failed prune alerts through retention.webhooks.failure only; the line goes to the log. */
async function alert(
  context: CommandContext,
  failure: { error: string; rule?: string; exitCode: number },
  log: (line: string) => void,
): Promise<void> {
  const settings = await readRetentionSettings(context.paths.configDir).catch(() => undefined);
  const line = await notifyPruneFailure(settings?.failureWebhook, failure, {
    signal: context.signal,
  });
  if (line) log(line);
}
