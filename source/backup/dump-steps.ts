import type { Compose } from '../compose/compose.ts';
import type { Compression } from '../dumps/compression.ts';
import { backupDir } from '../dumps/dump-name.ts';
import type { DumpMembers } from '../dumps/verify-dump.ts';
import { formatBytes, formatRate } from '../format.ts';
import type { Progress, Step, StepContext } from '../jobs/job.ts';
import {
  type DumpProgress,
  type DumpResult,
  dumpToTemporary,
  finalPathOf,
  publishDump,
  supersededPathsOf,
  temporaryName,
  verifyTemporary,
} from './dump-to-share.ts';

/** Where one dump goes: a temporary file in the share, renamed over the final NAME.gz. */
export type DumpTarget = {
  /** The dump name as given to --file, e.g. ovena-db-backup.sql. */
  fileName: string;
  /** Final path inside the db container, e.g. /mnt/backup/ovena-db-backup.sql.gz. */
  finalPath: string;
  temporaryPath: string;
  compression: Compression;
};

export function dumpTarget(fileName: string, compression: Compression = 'gzip'): DumpTarget {
  return {
    fileName,
    finalPath: finalPathOf(fileName, compression),
    temporaryPath: `${backupDir}/${temporaryName(fileName, compression)}`,
    compression,
  };
}

/**
 * The dump step's progress: the share written, each table weighted by its size (the bar, % and
 * ETA follow it), tables started out of the catalog's count, bytes written, the table.
 */
export function dumpStepProgress(update: DumpProgress): Progress {
  return {
    done: update.tablesDone,
    ...(update.tablesTotal === undefined ? {} : { total: update.tablesTotal }),
    ...(update.fraction === undefined ? {} : { fraction: update.fraction }),
    unit: 'items',
    written: update.bytes,
    ...(update.currentTable ? { detail: `table ${update.currentTable}` } : {}),
  };
}

/**
 * The one dump step list, for `ovena backup` and the restore's safety dump alike: dump + compress
 * into a temporary file in the share, verify it (complete gzip, pg_dump header, completion
 * comment), rename it over NAME.gz. Any failure leaves the previous NAME.gz untouched and removes
 * the temporary file. The caller holds the host lock.
 */
export function dumpSteps(
  compose: Compose,
  target: DumpTarget,
  hooks: {
    onPublished?(sizeBytes: number): void;
    supersede?: boolean;
    /** Runs inside the dump step before pg_dump starts, beside the table-size query (e.g. to count Orthanc's index). */
    beforeDump?(signal: AbortSignal): Promise<void>;
    /** Every progress update of the dump itself (tables done, bytes). */
    onProgress?(update: DumpProgress): void;
  } = {},
): Step[] {
  // The gzip members the dump wrote (parallel gzip): the verify reads each back.
  let members: DumpMembers | undefined;
  return [
    {
      id: 'dump',
      title: `Dump and compress (pg_dump | ${target.compression}, inside the db container)`,
      async run({ signal, progress }) {
        const { beforeDump } = hooks;
        const dumpStart = Date.now();
        const { sizeBytes, members: listed } = await dumpToTemporary(compose, {
          fileName: target.fileName,
          compression: target.compression,
          temporaryPath: target.temporaryPath,
          signal,
          ...(beforeDump ? { beside: () => beforeDump(signal) } : {}),
          onProgress: (update) => {
            hooks.onProgress?.(update);
            progress(dumpStepProgress(update));
          },
        });
        members = listed;
        const elapsed = Date.now() - dumpStart;
        return {
          summary: `${formatBytes(sizeBytes)} compressed, ${formatRate(sizeBytes, elapsed)}`,
        };
      },
    },
    {
      id: 'verify',
      title: `Verify the dump (complete ${target.compression}, pg_dump header and end)`,
      async run({ signal }) {
        const how = await verifyTemporary(compose, target.temporaryPath, signal, members);
        return how ? { summary: how } : {};
      },
    },
    {
      id: 'publish',
      title: `Publish as ${target.finalPath} (atomic rename)`,
      async run({ signal, log }) {
        // Only a fixed-name dump (not a safety dump) supersedes its other compression.
        const { sizeBytes, superseded } = await publishDump(
          compose,
          target.temporaryPath,
          target.finalPath,
          signal,
          hooks.supersede ? supersededPathsOf(target.fileName, target.compression) : [],
        );
        for (const path of superseded) log(`removed ${path}: superseded by ${target.finalPath}`);
        hooks.onPublished?.(sizeBytes);
        return superseded.length > 0
          ? { summary: `superseded ${superseded.map((path) => path.split('/').at(-1)).join(', ')}` }
          : undefined;
      },
    },
  ];
}

/**
 * The dump steps run in order inside one step of another job (the restore's safety dump) or
 * alone: their progress goes to `progress`, their summaries are dropped.
 */
export async function dumpToShare(
  compose: Compose,
  options: {
    fileName: string;
    compression?: Compression;
    signal?: AbortSignal;
    progress?: StepContext['progress'];
  },
): Promise<DumpResult> {
  const started = Date.now();
  const target = dumpTarget(options.fileName, options.compression);
  let sizeBytes = 0;
  const context: StepContext = {
    signal: options.signal ?? new AbortController().signal,
    progress: options.progress ?? (() => {}),
    log: () => {},
  };
  const steps = dumpSteps(compose, target, {
    onPublished: (size) => {
      sizeBytes = size;
    },
  });
  for (const step of steps) await step.run(context);
  return { file: target.finalPath, sizeBytes, durationMs: Date.now() - started };
}
