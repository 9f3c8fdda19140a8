import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { defaultDumpName } from '../dumps/dump-name.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { ExitCode, OvenaError, signalExitCode } from '../errors.ts';
import { listDumpsIn, withShareReader } from '../load/share-reader.ts';
import { modeLines, modeReport } from '../restore/beside/dry-run-mode.ts';
import { type DryRun, dryRunRestore } from '../restore/dry-run.ts';
import { dumpCountLines, planLines } from '../restore/plan-lines.ts';
import type { RestoreOptions } from '../restore/preflight.ts';

export function dryRunLines(result: DryRun): string[] {
  const { plan } = result;
  const lines = [
    'Dry run of a restore: nothing was started, stopped or changed.',
    ...planLines(plan),
  ];
  if (!plan.current.orthanc && result.difference) {
    // Orthanc is not answering: the difference comes from the index in the database.
    const shown = dumpCountLines(plan);
    if (!shown.some((line) => line.startsWith('Difference')))
      lines.push(`Difference  ${result.difference}`);
  }
  lines.push(
    `Read in     ${result.readIn === 'live' ? 'the running db container (read only)' : 'a throw-away container of the db image (the database is down), removed again'}`,
  );
  lines.push(
    `RTO         ${result.rto ? result.rto.text : 'unknown: run "ovena drill" to measure it'}`,
  );
  for (const line of result.unknown) lines.push(`Unknown     ${line}`);
  lines.push(`To restore  ovena --file=${plan.dump.name} restore`);
  return lines;
}

export function dryRunJson(result: DryRun): Record<string, unknown> {
  const { plan } = result;
  const dumpCounts = plan.dumpScan?.counts ?? null;
  const now = result.nowCounts ?? null;
  return {
    dryRun: true,
    dump: {
      name: plan.dump.name,
      sizeBytes: plan.dump.sizeBytes,
      modifiedAt: new Date(plan.dump.modifiedMs).toISOString(),
    },
    wouldDestroy: {
      volume: plan.current.dataVolume ?? null,
      databaseBytes: plan.current.database?.sizeBytes ?? null,
      tables: plan.current.database?.tables ?? null,
      counts: now,
    },
    wouldLoad: {
      counts: dumpCounts,
      tables: plan.dumpScan?.tables.length ?? null,
      rows: plan.dumpScan?.tables.reduce((sum, table) => sum + table.rows, 0) ?? null,
      schemaVersion: plan.dumpScan?.schemaVersion ?? null,
    },
    difference:
      now && dumpCounts
        ? {
            patients: now.patients - dumpCounts.patients,
            studies: now.studies - dumpCounts.studies,
            series: now.series - dumpCounts.series,
            instances: now.instances - dumpCounts.instances,
            text: result.difference ?? null,
          }
        : null,
    safetyDump: plan.safetyDump,
    readIn: result.readIn,
    rto: result.rto ?? null,
    unknown: result.unknown,
  };
}

/** `ovena restore --dry-run`: preflight and plan; no --yes, no lock, starts nothing; exit 0. */
export async function runDryRun(context: CommandContext, options: RestoreOptions): Promise<number> {
  const compose = await openCompose(context);
  const controller = { signal: context.signal };
  try {
    let dump: string | DumpFile = options.file ?? defaultDumpName;
    if (options.file === undefined && context.interactive) {
      const dumps = await withShareReader(compose, controller.signal, (target) =>
        listDumpsIn(target, controller.signal),
      );
      const { pickDump } = await import('../ui/drill/pick-dump.tsx');
      const chosen = await pickDump(context.io, 'Dry run of a restore from which dump?', dumps);
      if (!chosen) return ExitCode.ok;
      dump = chosen;
    }
    const result = await dryRunRestore(compose, dump, {
      stateDir: context.paths.stateDir,
      noSafetyDump: options.noSafetyDump,
      signal: controller.signal,
    });
    // Issue 18: the mode, the disk a beside load needs and the expected downtime.
    const beside = booleanOption(context.options, 'beside');
    const mode = await modeReport(compose, result.plan, {
      beside,
      stateDir: context.paths.stateDir,
      rtoText: result.rto?.text,
      signal: controller.signal,
    });
    if (context.json) writeLine(context.io.stdout, JSON.stringify({ ...dryRunJson(result), mode }));
    else {
      // Beside destroys nothing and makes no safety dump (the previous database is kept).
      const lines = dryRunLines(result).filter(
        (line) => !beside || !/^(Will destroy|Also gone|Safety dump) /.test(line),
      );
      lines.splice(1, 0, ...modeLines(mode, compose.project.dbName));
      if (beside) lines[lines.length - 1] = `${lines[lines.length - 1]} --beside --yes`;
      for (const line of lines) writeLine(context.io.stdout, line);
    }
    return ExitCode.ok;
  } catch (error) {
    if (controller.signal.aborted) {
      throw new OvenaError(
        `interrupted (${String(controller.signal.reason)}): nothing was changed`,
        signalExitCode(controller.signal.reason),
      );
    }
    throw error;
  }
}
