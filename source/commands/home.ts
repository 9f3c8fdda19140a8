import { findCommand } from '../cli/commands.ts';
import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { usageText } from '../cli/usage.ts';
import { openCompose } from '../compose/open-compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { collectStatus } from '../monitoring/collect-status.ts';
import { statusLines } from '../monitoring/status-lines.ts';
import { readSettings, requireSection } from '../settings/settings.ts';

/**
 * `ovena` with no command. On a terminal: the home screen. Elsewhere (cron, a pipe): the status,
 * then the usage; exit 0, or 3 when a service is down.
 */
export async function run(context: CommandContext): Promise<number> {
  if (!context.interactive) {
    let healthy: boolean;
    try {
      const compose = await openCompose(context);
      const status = await collectStatus(compose);
      for (const line of statusLines(status)) writeLine(context.io.stdout, line);
      healthy = status.healthy;
    } finally {
      writeLine(context.io.stdout, `\n${usageText()}`);
    }
    return healthy ? ExitCode.ok : ExitCode.serviceDown;
  }
  const settings = await readSettings(context.paths.configDir);
  // The home screen needs maxBackupAge only, and even a broken file does not keep it closed: it
  // opens with the default age and names the file among its problems (the operator fixes it there).
  let settingsProblem: string | undefined;
  try {
    requireSection(settings, 'maxBackupAge');
  } catch (error) {
    if (!(error instanceof OvenaError) || error.exitCode !== ExitCode.config) throw error;
    settingsProblem = error.message;
  }
  const compose = await openCompose(context);
  // Ink and React load only here, never for the non-interactive commands.
  const { runHome } = await import('../ui/home/run-home.tsx');
  const code = await runHome({
    compose,
    context,
    runCommand: async (name, flowContext) => {
      const spec = findCommand(name);
      if (!spec) throw new Error(`no command ${name}`);
      return (await spec.load()).run(flowContext);
    },
    ...(settings.maxBackupAgeMs === undefined || settingsProblem
      ? {}
      : { maxAgeMs: settings.maxBackupAgeMs }),
    ...(settingsProblem ? { settingsProblem } : {}),
  });
  return code ?? ExitCode.ok;
}
