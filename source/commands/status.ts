import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { openCompose } from '../compose/open-compose.ts';
import { listDumps, listDumpsQuick } from '../dumps/list-dumps.ts';
import { ExitCode } from '../errors.ts';
import {
  collectAnomaly,
  collectBackupStatus,
  collectStatus,
} from '../monitoring/collect-status.ts';
import { statusLines } from '../monitoring/status-lines.ts';
import { keptDatabases, keptJson, keptLines } from '../restore/beside/kept.ts';
import {
  collectRetentionStatus,
  dumpTotals,
  retentionLines,
} from '../retention/retention-status.ts';

export async function run(context: CommandContext): Promise<number> {
  const compose = await openCompose(context);
  const [archive, backup, retention, dumps, kept] = await Promise.all([
    collectStatus(compose),
    collectBackupStatus(context.paths),
    collectRetentionStatus(context.paths),
    (async () =>
      dumpTotals(
        (await listDumpsQuick(compose.files, context.env)) ?? (await listDumps(compose)),
      ))().catch(() => null),
    keptDatabases(compose, context.signal),
  ]);
  const status = {
    ...archive,
    ...backup,
    ...(await collectAnomaly(context.paths)),
    retention,
    dumps,
    keptDatabases: keptJson(kept),
  };
  if (context.json) {
    writeLine(context.io.stdout, JSON.stringify(status, null, 2));
  } else {
    for (const line of statusLines(status)) writeLine(context.io.stdout, line);
    for (const line of keptLines(kept)) writeLine(context.io.stdout, line);
    for (const line of retentionLines(retention, dumps)) writeLine(context.io.stdout, line);
  }
  return status.healthy ? ExitCode.ok : ExitCode.serviceDown;
}
