import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { openCompose } from '../compose/open-compose.ts';
import { backupDir } from '../dumps/dump-name.ts';
import { listDumps, listDumpsQuick } from '../dumps/list-dumps.ts';
import { formatAgo, formatBytes } from '../format.ts';
import { describeKeptBy, keptByColumn } from '../retention/kept-by.ts';

/**
 * `ovena list [--json]`: the dumps in the backup share, newest first (one listing call, through
 * the running db container when it can be found without compose), with a KEPT BY column when a
 * retention policy is set.
 */
export async function run(context: CommandContext): Promise<number> {
  const dumps =
    (await listDumpsQuick(context.paths.composeFiles, context.env)) ??
    (await listDumps(await openCompose(context)));
  const now = Date.now();
  const { keptBy, warning } = await keptByColumn(context.paths, dumps, now);
  if (warning) context.io.stderr.write(`ovena: warning: ${warning}\n`);
  if (context.json) {
    writeLine(
      context.io.stdout,
      JSON.stringify(
        dumps.map((dump) => ({
          name: dump.name,
          sizeBytes: dump.sizeBytes,
          modified: new Date(dump.modifiedMs).toISOString(),
          compressed: dump.compressed,
          ...(keptBy ? { keptBy: keptBy.get(dump.name) ?? null } : {}),
        })),
      ),
    );
    return 0;
  }
  if (dumps.length === 0) {
    writeLine(context.io.stdout, `no dumps in ${backupDir}`);
    return 0;
  }
  const width = Math.max(4, ...dumps.map((dump) => dump.name.length));
  const lines = [
    `${'NAME'.padEnd(width)}  ${'SIZE'.padStart(8)}  MODIFIED (UTC)        AGE${keptBy ? '        KEPT BY' : ''}`,
  ];
  for (const dump of dumps) {
    const modified = new Date(dump.modifiedMs).toISOString().replace('T', ' ').slice(0, 19);
    const age = formatAgo(now - dump.modifiedMs).replace(/ ago$/, '');
    const row = `${dump.name.padEnd(width)}  ${formatBytes(dump.sizeBytes).padStart(8)}  ${modified}   ${age}`;
    lines.push(
      keptBy ? `${row.padEnd(width + 43)}  ${describeKeptBy(keptBy.get(dump.name))}` : row,
    );
  }
  // One write: 10,000 rows must not cost 10,000 writes.
  context.io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
