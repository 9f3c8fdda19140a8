import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { openCompose } from '../compose/open-compose.ts';
import { ExitCode } from '../errors.ts';
import {
  collectAnomaly,
  collectBackupStatus,
  collectStatus,
} from '../monitoring/collect-status.ts';
import { statusLines } from '../monitoring/status-lines.ts';

export async function run(context: CommandContext): Promise<number> {
  const compose = await openCompose(context);
  const status = {
    ...(await collectStatus(compose)),
    ...(await collectBackupStatus(context.paths)),
    ...(await collectAnomaly(context.paths)),
  };
  if (context.json) {
    writeLine(context.io.stdout, JSON.stringify(status, null, 2));
  } else {
    for (const line of statusLines(status)) writeLine(context.io.stdout, line);
  }
  return status.healthy ? ExitCode.ok : ExitCode.serviceDown;
}
