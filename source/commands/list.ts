import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { openCompose } from '../compose/open-compose.ts';
import { backupDir } from '../dumps/dump-name.ts';
import { listDumps } from '../dumps/list-dumps.ts';
import { formatAge, formatBytes } from '../format.ts';

/** `ovena list [--json]`: the dumps in the backup share, newest first (one listing call). */
export async function run(context: CommandContext): Promise<number> {
  const compose = await openCompose(context);
  const dumps = await listDumps(compose);
  if (context.json) {
    writeLine(
      context.io.stdout,
      JSON.stringify(
        dumps.map((dump) => ({
          name: dump.name,
          sizeBytes: dump.sizeBytes,
          modified: new Date(dump.modifiedMs).toISOString(),
          compressed: dump.compressed,
        })),
      ),
    );
    return 0;
  }
  if (dumps.length === 0) {
    writeLine(context.io.stdout, `no dumps in ${backupDir}`);
    return 0;
  }
  const now = Date.now();
  const width = Math.max(4, ...dumps.map((dump) => dump.name.length));
  writeLine(
    context.io.stdout,
    `${'NAME'.padEnd(width)}  ${'SIZE'.padStart(8)}  MODIFIED (UTC)        AGE`,
  );
  for (const dump of dumps) {
    const modified = new Date(dump.modifiedMs).toISOString().replace('T', ' ').slice(0, 19);
    writeLine(
      context.io.stdout,
      `${dump.name.padEnd(width)}  ${formatBytes(dump.sizeBytes).padStart(8)}  ${modified}   ${formatAge(now - dump.modifiedMs)}`,
    );
  }
  return 0;
}
