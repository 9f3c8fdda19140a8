import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { stringOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { ExitCode, messageOf } from '../errors.ts';
import { formatAge, formatBytes } from '../format.ts';
import { readAnomalySettings } from '../history/anomaly-settings.ts';
import { lastImagesCheckSummary } from '../images/last-check.ts';
import { type Assessment, assessArchive, type Level } from '../monitoring/assess.ts';
import { type HomeStatus, loadHomeStatus } from '../monitoring/home-status.ts';
import { defaultSources } from '../monitoring/sources.ts';
import { readRetentionSettings } from '../retention/retention-settings.ts';
import { retentionWarnings } from '../retention/retention-status.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { parseDuration } from '../settings/duration.ts';
import { readSettings, requireSoundSettings } from '../settings/settings.ts';

/** Monitoring-plugin convention (Nagios): 0 OK, 1 warning, 2 critical. */
export const checkExitCode: Record<Level, number> = {
  ok: ExitCode.ok,
  warning: ExitCode.failed,
  critical: ExitCode.critical,
};

export function checkLine(assessment: Assessment, status: HomeStatus, now: number): string {
  if (assessment.level === 'ok') {
    const record = status.lastBackup;
    const age = record ? formatAge(now - Date.parse(record.at)) : '?';
    return `OK: services up, last backup ${age} old (${record?.file ?? '?'}, ${formatBytes(record?.sizeBytes ?? 0)})`;
  }
  return `${assessment.level.toUpperCase()}: ${assessment.reasons.join('; ')}`;
}

export async function run(context: CommandContext): Promise<number> {
  const maxAgeOption = stringOption(context.options, 'max-age');
  const optionMs =
    maxAgeOption === undefined ? undefined : parseDuration(maxAgeOption, '--max-age');
  const now = Date.now();
  let status: HomeStatus;
  let maxAgeMs = optionMs;
  let drillMaxAgeMs: number | undefined;
  try {
    // Any broken section is CRITICAL: a monitor is where a broken settings file must show.
    const settings = await readSettings(context.paths.configDir);
    requireSoundSettings(settings);
    // The retention section is parsed by its own room; broken, it is CRITICAL here too.
    await readRetentionSettings(context.paths.configDir);
    if (maxAgeMs === undefined) maxAgeMs = settings.maxBackupAgeMs;
    // Broken anomaly thresholds are broken settings too (the history room reads their keys).
    await readAnomalySettings(context.paths.configDir);
    drillMaxAgeMs = settings.drill?.maxAgeMs;
    const compose = await openCompose(context);
    status = await loadHomeStatus(defaultSources(compose, context.paths));
  } catch (error) {
    // A monitor must get its one line and a critical code, whatever went wrong.
    const reason = redactSecrets(messageOf(error));
    if (context.json) {
      writeLine(
        context.io.stdout,
        JSON.stringify({ level: 'critical', exitCode: ExitCode.critical, reasons: [reason] }),
      );
    } else {
      writeLine(context.io.stdout, `CRITICAL: ${reason}`);
    }
    return ExitCode.critical;
  }
  const assessed = assessArchive(status, {
    now,
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    ...(drillMaxAgeMs === undefined ? {} : { drillMaxAgeMs }),
  });
  // Retention only ever warns: a broken retention section disables pruning, nothing else.
  const retention = await retentionWarnings(context.paths, status.lastBackup, now).catch(
    (error: unknown) => [`retention: ${messageOf(error)}`],
  );
  const assessment: Assessment = {
    ...assessed,
    level: assessed.level === 'ok' && retention.length > 0 ? 'warning' : assessed.level,
    reasons: [...assessed.reasons, ...retention],
  };
  const exitCode = checkExitCode[assessment.level];
  if (context.json) {
    writeLine(
      context.io.stdout,
      JSON.stringify({
        level: assessment.level,
        exitCode,
        reasons: assessment.reasons,
        maxAgeMs: assessment.maxAgeMs,
        lastBackup: status.lastBackup ?? null,
        lastImagesCheck: lastImagesCheckSummary(status.imagesCheck),
        lastDrill: status.lastDrill ?? null,
        services: status.services.map(({ name, state, health, up }) => ({
          name,
          state,
          health: health ?? null,
          up,
        })),
      }),
    );
  } else {
    writeLine(context.io.stdout, checkLine(assessment, status, now));
  }
  return exitCode;
}
