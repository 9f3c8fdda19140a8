import { randomBytes } from 'node:crypto';
import { ExecaError } from 'execa';
import type { Compose } from '../compose/compose.ts';
import { type Compression, compressionFacts, compressions } from '../dumps/compression.ts';
import { backupDir, publishedDumpName, temporaryPrefix } from '../dumps/dump-name.ts';
import {
  type DumpMembers,
  verifyDumpInContainer,
  verifyMembersInContainer,
} from '../dumps/verify-dump.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import {
  chunkBytesFrom,
  countCpusScript,
  describeDumpFailure,
  dumpScript,
  gzipLevel,
  parseDumpStderr,
  publishScript,
  zstdLevel,
} from './dump-script.ts';
import {
  copyProgressSql,
  type DumpPosition,
  parseTableWeights,
  parseWeightLine,
  type TableWeight,
  tableWeightsSql,
  weightedFraction,
} from './dump-weights.ts';

export type DumpProgress = {
  /** Tables whose contents pg_dump has started dumping, out of `tablesTotal` (catalog count). */
  tablesDone: number;
  tablesTotal: number | undefined;
  currentTable: string | undefined;
  /** Compressed bytes written to the temporary file so far. */
  bytes: number;
  /**
   * The share of the dump written (0..1), each table weighted by its size (dump-weights.ts);
   * undefined when the tables weigh nothing: the table count stands in.
   */
  fraction?: number | undefined;
};

export type DumpResult = {
  /** Final path inside the db container, e.g. /mnt/backup/ovena-db-backup.sql.gz. */
  file: string;
  sizeBytes: number;
  durationMs: number;
  /** A same-name dump of the other compression that this one superseded and removed. */
  superseded?: string;
};

export type DumpOptions = {
  /** The dump name as given to --file (validated here again): the result is NAME.gz or NAME.zst. */
  fileName: string;
  compression?: Compression;
  signal?: AbortSignal;
  onProgress?: (progress: DumpProgress) => void;
  /** Runs beside the table-size query, both before pg_dump starts (one docker exec's wait, not two). */
  beside?: (signal?: AbortSignal) => Promise<void>;
};

export function temporaryName(
  fileName: string,
  compression: Compression = 'gzip',
  pid = process.pid,
): string {
  const extension = compressionFacts[compression].extension;
  return `${temporaryPrefix}${fileName}.${pid}.${randomBytes(4).toString('hex')}${extension}`;
}

/** The scratch folder of a temporary dump, in the db container's own temporary space. */
export function scratchPathOf(temporaryPath: string): string {
  return `/tmp/ovena-chunks-${temporaryPath.split('/').at(-1) ?? 'dump'}`;
}

/** Each dumped table's size and row estimate, read from the catalog right before the dump. */
export async function readTableWeights(
  compose: Compose,
  signal?: AbortSignal,
): Promise<TableWeight[]> {
  const { dbService, dbUser, dbName } = compose.project;
  const text = await compose.execCapture(
    dbService,
    ['psql', '-X', '-At', '-F', '\t', '-U', dbUser, '-d', dbName, '-c', tableWeightsSql],
    signal ? { signal } : {},
  );
  return parseTableWeights(text);
}

async function removeQuietly(compose: Compose, path: string): Promise<void> {
  try {
    await compose.execCapture(compose.project.dbService, [
      'rm',
      '-rf',
      '--',
      path,
      scratchPathOf(path),
    ]);
  } catch {
    // Container gone: the next run removes the stale temporary file.
  }
}

/**
 * Step 1 of 3: pg_dump | gzip into a temporary file in the share, flushed to disk. The data never
 * leaves the db container. On failure or abort the pipeline is killed and the file removed; the
 * published NAME.gz is never touched.
 */
export async function dumpToTemporary(
  compose: Compose,
  options: DumpOptions & { temporaryPath: string },
): Promise<{ sizeBytes: number; members?: DumpMembers }> {
  const { dbService, dbUser, dbName } = compose.project;
  const { signal, onProgress, temporaryPath } = options;
  const compression = options.compression ?? 'gzip';
  let weights: Map<string, TableWeight>;
  let workers = 1;
  try {
    const [read, cpus] = await Promise.all([
      readTableWeights(compose, signal),
      compression === 'gzip' ? countCpus(compose, signal) : 1,
      options.beside?.(signal),
    ]);
    weights = new Map(read.map((weight) => [weight.name, weight]));
    workers = cpus;
  } catch (error) {
    signal?.throwIfAborted();
    throw dumpError(error, 'reading the table sizes');
  }
  const progress: DumpProgress = {
    tablesDone: 0,
    tablesTotal: weights.size,
    currentTable: undefined,
    bytes: 0,
    fraction: weightedFraction(weights, { started: [] }),
  };
  const position: { started: string[] } & DumpPosition = { started: [] };
  let pending: Pick<DumpPosition, 'copy' | 'chunks'> = {};
  // Tables pg_dump started since the last sample: they join the position with the sample's size
  // line, so the fraction always stands for the same moment as the bytes written (a fast dump
  // starts many tables within the one second between two samples of the file's size).
  let startedSince: string[] = [];
  let pgError: string | undefined;
  let toolError: string | undefined;
  let failure: string | undefined;
  let where: 'share' | 'scratch' | 'other' | undefined;
  onProgress?.({ ...progress });
  const members: number[] = [];
  const crcs: string[] = [];
  try {
    await compose.execStream(
      dbService,
      [
        'sh',
        '-c',
        dumpScript,
        'ovena-backup',
        temporaryPath,
        dbUser,
        dbName,
        compression,
        String(compression === 'zstd' ? zstdLevel : gzipLevel),
        String(workers),
        String(chunkBytesFrom()),
        scratchPathOf(temporaryPath),
        copyProgressSql,
      ],
      {
        ...(signal ? { signal } : {}),
        onStderrLine: (line) => {
          // A sample's lines count together, when its size line comes: a table's progress event
          // in between must not meet this sample's chunks with the last sample's size.
          const sample = parseWeightLine(line);
          if (sample?.kind === 'copy') pending.copy = sample;
          else if (sample?.kind === 'chunks') pending.chunks = sample;
          if (sample) return;
          const parsed = parseDumpStderr(line);
          if (!parsed) return;
          if (parsed.kind === 'member') {
            members.push(parsed.bytes);
            if (parsed.crc) crcs.push(parsed.crc);
            return;
          }
          if (parsed.kind === 'size') {
            progress.bytes = parsed.bytes;
            if (pending.copy) position.copy = pending.copy;
            if (pending.chunks) position.chunks = pending.chunks;
            pending = {};
            position.started.push(...startedSince);
            startedSince = [];
            progress.fraction = weightedFraction(weights, position);
          } else if (parsed.kind === 'table') {
            progress.tablesDone++;
            progress.currentTable = parsed.name;
            startedSince.push(parsed.name);
            if (progress.tablesTotal !== undefined && progress.tablesDone > progress.tablesTotal)
              progress.tablesTotal = progress.tablesDone;
          } else if (parsed.kind === 'error') pgError = parsed.message;
          else if (parsed.kind === 'tool') toolError ??= parsed.message;
          else {
            failure = parsed.message;
            where = parsed.where;
          }
          if (parsed.kind === 'size' || parsed.kind === 'table') onProgress?.({ ...progress });
        },
      },
    );
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    if (pgError || failure || toolError) {
      throw new OvenaError(
        describeDumpFailure({ where, failure, toolError, pgError }),
        ExitCode.failed,
        { cause: error },
      );
    }
    throw dumpError(error, 'pg_dump');
  }
  // The members' sizes count only when they add up to the whole file.
  const listed = members.reduce((sum, size) => sum + size, 0) === progress.bytes;
  return {
    sizeBytes: progress.bytes,
    ...(listed && members.length > 1
      ? {
          members: {
            sizes: members,
            cpus: workers,
            // Only when every member has its CRC.
            ...(crcs.length === members.length ? { crcs } : {}),
          },
        }
      : {}),
  };
}

/** The db container's CPU count (1 when it cannot be read). */
async function countCpus(compose: Compose, signal?: AbortSignal): Promise<number> {
  try {
    const text = await compose.execCapture(
      compose.project.dbService,
      ['sh', '-c', countCpusScript, 'ovena-cpus'],
      signal ? { signal } : {},
    );
    const cpus = Number(text.trim());
    return Number.isInteger(cpus) && cpus > 0 ? Math.min(cpus, 16) : 1;
  } catch {
    signal?.throwIfAborted();
    return 1;
  }
}

function dumpError(error: unknown, what: string): unknown {
  if (error instanceof OvenaError) return error;
  if (error instanceof ExecaError) {
    const text: unknown = error.stderr;
    const stderr = typeof text === 'string' ? text.trim().split('\n').at(-1) : '';
    return new OvenaError(`${what} failed: ${stderr || error.shortMessage}`, ExitCode.failed, {
      cause: error,
    });
  }
  return error;
}

/**
 * Step 3 of 3: atomic rename over the final name, folder flushed; then the `supersede` files (the
 * same name's other compression) are removed. Returns the published size and what was removed.
 */
export async function publishDump(
  compose: Compose,
  temporaryPath: string,
  finalPath: string,
  signal?: AbortSignal,
  supersede: string[] = [],
): Promise<{ sizeBytes: number; superseded: string[] }> {
  let text: string;
  try {
    text = await compose.execCapture(
      compose.project.dbService,
      [
        'sh',
        '-c',
        publishScript,
        'ovena-publish',
        temporaryPath,
        finalPath,
        backupDir,
        ...supersede,
      ],
      signal ? { signal } : {},
    );
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    if ((error as { exitCode?: number }).exitCode === 31) {
      throw new OvenaError(
        `${backupDir} in the ${compose.project.dbService} container stopped being a mount point during the dump: the backup share went away, so nothing was published; check the share and restart the database`,
        ExitCode.unavailable,
      );
    }
    throw dumpError(error, `renaming the dump to ${finalPath}`);
  }
  const lines = text.trim().split('\n');
  return {
    sizeBytes: Number(lines[0]),
    superseded: lines.flatMap((line) => {
      const match = /^ovena-superseded (.+)$/.exec(line.trim());
      return match?.[1] ? [match[1]] : [];
    }),
  };
}

export function finalPathOf(fileName: string, compression: Compression = 'gzip'): string {
  return `${backupDir}/${publishedDumpName(fileName, compression)}`;
}

/** The same name under the other compressions: a fixed-name backup supersedes them. */
export function supersededPathsOf(fileName: string, compression: Compression = 'gzip'): string[] {
  return compressions
    .filter((other) => other !== compression)
    .map((other) => finalPathOf(fileName, other));
}

/** Step 2 of 3: the temporary file must be a complete dump before it may replace anything. */
export async function verifyTemporary(
  compose: Compose,
  temporaryPath: string,
  signal?: AbortSignal,
  members?: DumpMembers,
): Promise<string | undefined> {
  try {
    if (members) return await verifyMembersInContainer(compose, temporaryPath, members, signal);
    await verifyDumpInContainer(compose, temporaryPath, signal);
    return undefined;
  } catch (error) {
    await removeQuietly(compose, temporaryPath);
    signal?.throwIfAborted();
    throw error;
  }
}
