import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { stringOption } from '../cli/parse-args.ts';
import { openCompose } from '../compose/open-compose.ts';
import { type DrillState, describeCounts, drillJob, drillRecord } from '../drill/drill-job.ts';
import { rtoEstimate } from '../drill/rto.ts';
import { backupDir, restoreCandidates } from '../dumps/dump-name.ts';
import type { DumpFile } from '../dumps/list-dumps.ts';
import { ExitCode, OvenaError, signalExitCode, UsageError } from '../errors.ts';
import { formatBytes, formatTimestamp } from '../format.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { listDumpsIn, withShareReader } from '../load/share-reader.ts';
import { acquireLock } from '../lock/host-lock.ts';
import { assertNoBlockingRestore } from '../lock/restore-marker.ts';
import { writeLastDrill } from '../records/last-drill.ts';
import { readRestoreTimings } from '../records/restore-timings.ts';
import { pickDumpByName } from '../restore/preflight.ts';
import { readSettings, requireSection } from '../settings/settings.ts';
import { describeNotify } from '../webhooks/notify-backup.ts';
import { notifyDrill } from '../webhooks/notify-drill.ts';

/** The dump a drill tests: --file (as restore names it), the picker on a terminal, else the newest. */
async function chooseDump(
  context: CommandContext,
  dumps: DumpFile[],
  file: string | undefined,
): Promise<DumpFile | undefined> {
  if (file !== undefined) return pickDumpByName(dumps, file);
  if (dumps.length === 0) {
    throw new OvenaError(
      `no dump in ${backupDir} to test: run "ovena backup" first`,
      ExitCode.noInput,
    );
  }
  if (!context.interactive) return dumps[0];
  const { pickDump } = await import('../ui/drill/pick-dump.tsx');
  return pickDump(context.io, 'Test which dump? (loaded into a throw-away database)', dumps);
}

/** `ovena drill [--file=NAME] [--json]`: proves that a dump loads, without touching the archive. */
export async function run(context: CommandContext): Promise<number> {
  const file = stringOption(context.options, 'file');
  if (file !== undefined) restoreCandidates(file);
  if (context.args.length > 0) {
    throw new UsageError(
      `drill takes no arguments (got "${context.args.join(' ')}"): use --file=NAME`,
    );
  }
  const out = context.json ? context.io.stderr : context.io.stdout;
  const log = (line: string) => writeLine(out, `${formatTimestamp(Date.now())} ${line}`);
  const compose = await openCompose(context);
  const { stateDir } = context.paths;
  // A broken drill: section stops the drill alone (78, the key named); backups never see it.
  const settings = await readSettings(context.paths.configDir);
  requireSection(settings, 'drill');
  await assertNoBlockingRestore(stateDir, 'drill', 'drilling');
  const lock = await acquireLock(
    stateDir,
    'drill',
    file === undefined ? {} : { detail: `of ${file}` },
  );
  // Ctrl-C, SIGTERM and SIGHUP abort context.signal (cli/signals.ts): the throw-away is removed
  // before ovena exits.
  const controller = { signal: context.signal };
  const state: DrillState = {};
  try {
    const dumps = await withShareReader(compose, controller.signal, (target) =>
      listDumpsIn(target, controller.signal),
    );
    const dump = await chooseDump(context, dumps, file);
    if (!dump) {
      writeLine(out, 'drill cancelled: nothing was done');
      return ExitCode.ok;
    }
    const startNotice = notifyDrill(settings, 'start', {
      dump: dump.name,
      dumpBytes: dump.sizeBytes,
    });
    // With --json the steps go to stderr and stdout carries one document (below).
    const jobContext = context.json
      ? { ...context, json: false, io: { ...context.io, stdout: context.io.stderr } }
      : context;
    const result = await executeJob(drillJob(compose, dump, state), jobContext);
    await state.box?.remove();
    const report = (
      event: 'start' | 'success' | 'failure',
      notice: Awaited<typeof startNotice>,
    ) => {
      const line = describeNotify(event, notice)?.replace(
        'the backup goes on',
        'the drill goes on',
      );
      if (line) log(line);
    };
    report('start', await startNotice);
    if (result.outcome === 'interrupted') return result.exitCode;
    const pass = result.outcome === 'succeeded';
    const rto =
      pass && state.loadMs !== undefined
        ? rtoEstimate(state.loadMs, await readRestoreTimings(stateDir))
        : undefined;
    const record = drillRecord(dump, state, {
      pass,
      ...(pass ? {} : { reason: result.error ?? `failed at "${result.stoppedAt?.title ?? '?'}"` }),
      ...(rto?.seconds === undefined ? {} : { rtoSeconds: rto.seconds }),
    });
    await writeLastDrill(stateDir, record).catch((error: unknown) => {
      context.io.stderr.write(
        `ovena: could not record the drill in ${stateDir}: ${(error as Error).message}\n`,
      );
    });
    report(
      pass ? 'success' : 'failure',
      await notifyDrill(settings, pass ? 'success' : 'failure', {
        dump: dump.name,
        dumpBytes: dump.sizeBytes,
        ...(record.loadSeconds === undefined ? {} : { loadSeconds: record.loadSeconds }),
        ...(record.rtoSeconds === undefined ? {} : { rtoSeconds: record.rtoSeconds }),
        ...(record.counts ? { instances: record.counts.instances } : {}),
        ...(record.reason ? { error: record.reason } : {}),
      }),
    );
    const line = pass
      ? `Drill PASS: ${dump.name} (${formatBytes(dump.sizeBytes)}) loads: ${record.tables ?? '?'} tables, ${record.counts ? describeCounts(record.counts) : 'no Orthanc counts'}, schema version ${record.schemaVersion ?? '?'}; ${rto?.text ?? ''}`
      : `Drill FAIL: ${dump.name}: ${record.reason ?? 'failed'}`;
    if (context.json) {
      writeLine(
        context.io.stdout,
        JSON.stringify({ ...record, exitCode: result.exitCode, rto: rto?.text }),
      );
    } else writeLine(context.io.stdout, line);
    return result.exitCode;
  } catch (error) {
    if (controller.signal.aborted) {
      throw new OvenaError(
        `interrupted (${String(controller.signal.reason)}): the throw-away container and volume are removed; nothing else was touched`,
        signalExitCode(controller.signal.reason),
      );
    }
    throw error;
  } finally {
    await state.box?.remove();
    await lock.release();
  }
}
