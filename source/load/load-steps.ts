import { formatBytes, formatDuration, formatRate } from '../format.ts';
import type { Step } from '../jobs/job.ts';
import { analyzeAll, loadSchemaAndData, tableSizes } from './fast-load.ts';
import type { PgTarget } from './pg-target.ts';
import type { PostData } from './post-data.ts';
import { runPostData } from './post-data-runner.ts';

/**
 * The one loader as steps, shared by the from-scratch fast load, the restore beside the live
 * database and the drill: schema and data in one transaction (progress in bytes, rate, ETA), the
 * indexes and constraints in parallel sessions (progress in items done/total), then ANALYZE.
 * Where the data goes is the caller's: `where()` is asked when each step starts.
 */
export type LoadWhere = {
  target: PgTarget;
  /** Parallel sessions of the index builds and of ANALYZE. */
  sessions: number;
  /** Run first in every index-building session, e.g. "SET maintenance_work_mem = '256MB'". */
  postDataSettings: readonly string[];
};

export type LoadStepsOptions = {
  /** The dump inside the target's container. */
  path: string;
  dumpName: string;
  sizeBytes: number;
  where(): LoadWhere;
  /** Title of the first step; default "Load NAME: schema and data in one transaction". */
  loadTitle?: string;
  /** Dump line of each COPY statement by table (from a scan), to name a failing row's line. */
  copyLines?(): ReadonlyMap<string, number> | undefined;
  /** Print psql's stderr lines (notices) in the step's log. */
  logStderr?: boolean;
  /** Runs first in the load step (e.g. to find where the data goes). */
  beforeLoad?(signal: AbortSignal): Promise<void> | void;
  /** Called when ANALYZE is done, with the whole load's time (data, indexes, ANALYZE). */
  onLoaded?(ms: number): void;
};

/** The steps `load`, `post-data` and `analyze`. */
export function loadSteps(options: LoadStepsOptions): Step[] {
  const { dumpName } = options;
  let postData: PostData | undefined;
  let loadStarted = 0;
  return [
    {
      id: 'load',
      title: options.loadTitle ?? `Load ${dumpName}: schema and data in one transaction`,
      async run({ signal, progress, log }) {
        await options.beforeLoad?.(signal);
        const { target } = options.where();
        const copyLines = options.copyLines?.();
        loadStarted = Date.now();
        const total = options.sizeBytes;
        progress({ done: 0, total, unit: 'bytes' });
        postData = await loadSchemaAndData(target, options.path, {
          signal,
          dumpName,
          onPosition: (bytes) => progress({ done: Math.min(bytes, total), total, unit: 'bytes' }),
          ...(options.logStderr === false
            ? {}
            : {
                onStderrLine: (line: string) => {
                  if (line.trim() !== '') log(line);
                },
              }),
          ...(copyLines ? { copyLines } : {}),
        });
        progress({ done: total, total, unit: 'bytes' });
        const ms = Date.now() - loadStarted;
        return {
          summary: `${formatBytes(total)} in ${formatDuration(ms)} (${formatRate(total, ms)}), ${postData.items.length} indexes and constraints to build`,
        };
      },
    },
    {
      id: 'post-data',
      title: 'Build indexes and constraints in parallel',
      async run({ signal, progress }) {
        const where = options.where();
        const items = postData?.items ?? [];
        const sizes = await tableSizes(where.target, signal);
        const started = Date.now();
        const timings = await runPostData(where.target, postData ?? { preamble: '', items: [] }, {
          signal,
          sessions: where.sessions,
          // The sessions already use every CPU: a parallel B-tree build's workers would only take
          // time from the longest build (a trigram GIN index builds on one CPU), measured 17.4 s
          // against 14.8 s for Orthanc's 53 items at 400,000 instances on 2 cores.
          settings: ['SET max_parallel_maintenance_workers = 0', ...where.postDataSettings],
          tableWeight: (table) => sizes.get(table) ?? 0,
          dumpName,
          onProgress: (done, total, running) =>
            progress({ done, total, unit: 'items', detail: running.slice(0, 2).join(', ') }),
        });
        // The slowest items say where a parallel build's time goes.
        const slowest = timings
          .slice(0, 3)
          .map((t) => `${t.item} ${formatDuration(t.ms)}`)
          .join(', ');
        return {
          summary: `${items.length} indexes and constraints built in ${formatDuration(Date.now() - started)} (${where.sessions} sessions${slowest ? `; slowest: ${slowest}` : ''})`,
        };
      },
    },
    {
      id: 'analyze',
      title: 'Analyze',
      async run({ signal }) {
        const where = options.where();
        await analyzeAll(where.target, where.sessions, signal);
        options.onLoaded?.(Date.now() - loadStarted);
      },
    },
  ];
}
