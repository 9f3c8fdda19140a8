import { ExitCode, OvenaError } from '../errors.ts';
import { formatBytes, formatDuration, formatRate } from '../format.ts';
import { childController } from '../jobs/child-controller.ts';
import type { Step } from '../jobs/job.ts';
import { BuildGate } from './build-gate.ts';
import { type EarlyBuild, startEarlyBuild } from './early-build.ts';
import { analyzeAll, loadSchemaAndData, tableSizes } from './fast-load.ts';
import type { PgTarget } from './pg-target.ts';
import { type PostData, type PostDataItem, splitPostData } from './post-data.ts';
import { type ItemTiming, runPostData } from './post-data-runner.ts';
import type { DumpScan } from './scan-dump.ts';

/**
 * The one loader as steps, shared by the from-scratch fast load, the restore beside the live
 * database and the drill: the schema, then each table's data committed on its own (progress in
 * bytes, rate, ETA), the indexes and constraints in parallel sessions (progress in items
 * done/total), then ANALYZE. When a scan of the dump came first, its post-data items are known
 * before the load: each starts as soon as its tables are loaded, beside the rest of the data
 * (build-gate.ts), and the `post-data` step waits for what is left. Where the data goes is the
 * caller's: `where()` is asked when each step starts.
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
  /** Title of the first step; default "Load NAME: schema, then each table's data". */
  loadTitle?: string;
  /**
   * What a scan of this dump found (preflight's, the drill's): its post-data items build while
   * the data loads, its row counts order them, its COPY lines name a failing row's line.
   */
  scan?(): DumpScan | undefined;
  /** Print psql's stderr lines (notices) in the step's log. */
  logStderr?: boolean;
  /** Runs first in the load step (e.g. to find where the data goes). */
  beforeLoad?(signal: AbortSignal): Promise<void> | void;
  /** Called when ANALYZE is done, with the whole load's time (data, indexes, ANALYZE). */
  onLoaded?(ms: number): void;
};

/** The same items in the same order: what the scan read is what the load set aside. */
function sameItems(a: readonly PostDataItem[], b: readonly PostDataItem[]): boolean {
  return a.length === b.length && a.every((item, index) => item.sql === b[index]?.sql);
}

function postDataSettings(where: LoadWhere): string[] {
  // The sessions already use every CPU: a parallel B-tree build's workers would only take
  // time from the longest build (a trigram GIN index builds on one CPU), measured 17.4 s
  // against 14.8 s for Orthanc's 53 items at 400,000 instances on 2 cores.
  return ['SET max_parallel_maintenance_workers = 0', ...where.postDataSettings];
}

function slowestOf(timings: readonly ItemTiming[]): string {
  return timings
    .slice(0, 3)
    .map((t) => `${t.item} ${formatDuration(t.ms)}`)
    .join(', ');
}

/** The steps `load`, `post-data` and `analyze`. */
export function loadSteps(options: LoadStepsOptions): Step[] {
  const { dumpName } = options;
  let postData: PostData | undefined;
  let build: EarlyBuild | undefined;
  /** Tables the build sessions analyzed (then the analyze step has nothing left to do). */
  let analyzedBeside = 0;
  let loadStarted = 0;

  return [
    {
      id: 'load',
      title: options.loadTitle ?? `Load ${dumpName}: schema, then each table's data`,
      async run({ signal, progress, log }) {
        await options.beforeLoad?.(signal);
        const where = options.where();
        const scan = options.scan?.();
        const copyLines = scan && new Map(scan.tables.map((table) => [table.table, table.line]));
        const planned = scan ? splitPostData(scan.postData) : undefined;
        loadStarted = Date.now();
        const total = options.sizeBytes;
        let position = 0;
        let built = '';
        const show = () =>
          progress({
            done: Math.min(position, total),
            total,
            unit: 'bytes',
            ...(built ? { detail: built } : {}),
          });
        show();
        // The load takes CPUs too (decompression, psql, the COPY backend): one session fewer builds
        // beside it, and at least one.
        const gate = new BuildGate(Math.max(1, where.sessions - 1));
        const loading = childController(signal);
        if (scan && planned && planned.items.length > 0) {
          build = startEarlyBuild(where.target, planned, scan, {
            gate,
            signal,
            sessions: where.sessions,
            settings: postDataSettings(where),
            dumpName,
          });
          build.report = (done, count) => {
            built = `${done} of ${count} index builds and analyzes done`;
            show();
          };
          // A failed build stops the load at once: its error is the one to report.
          void build.result.then((outcome) => {
            if ('error' in outcome) loading.controller.abort(new Error('an index build failed'));
          });
        }
        const stopBuild = async () => {
          if (!build) return;
          build.controller.abort(signal.reason);
          await build.result;
          build = undefined;
        };
        let setAside: PostData;
        try {
          setAside = await loadSchemaAndData(where.target, options.path, {
            signal: loading.controller.signal,
            dumpName,
            onPosition: (bytes) => {
              position = bytes;
              show();
            },
            onTableLoaded: (ordinal) => {
              const table = scan?.tables[ordinal - 1]?.table;
              if (table) gate.tableLoaded(table);
            },
            ...(options.logStderr === false
              ? {}
              : {
                  onStderrLine: (line: string) => {
                    if (line.trim() !== '') log(line);
                  },
                }),
            ...(copyLines ? { copyLines } : {}),
          });
        } catch (error) {
          // The load stopped because a build failed: that failure is the one to report.
          if (build && loading.controller.signal.aborted && !signal.aborted) {
            const outcome = await build.result;
            build = undefined;
            if ('error' in outcome) throw outcome.error;
          }
          await stopBuild();
          throw error;
        } finally {
          loading.dispose();
        }
        gate.open();
        if (planned && !sameItems(planned.items, setAside.items)) {
          await stopBuild();
          throw new OvenaError(
            `${dumpName} changed while it was restored: its indexes and constraints are not those its check read; run the restore again`,
            ExitCode.dataError,
          );
        }
        postData = setAside;
        position = total;
        show();
        const ms = Date.now() - loadStarted;
        const beside = build ? ` (${built || '0 built'} beside the load)` : '';
        return {
          summary: `${formatBytes(total)} in ${formatDuration(ms)} (${formatRate(total, ms)}), ${postData.items.length} indexes and constraints to build${beside}`,
        };
      },
    },
    {
      id: 'post-data',
      title: 'Build indexes and constraints in parallel',
      async run({ signal, progress }) {
        const where = options.where();
        const items = postData?.items ?? [];
        const running = build;
        const stepStarted = Date.now();
        const showItems = (done: number, total: number, names: readonly string[]) =>
          progress({ done, total, unit: 'items', detail: names.slice(0, 2).join(', ') });
        let timings: ItemTiming[];
        let started: number;
        if (running) {
          // Started during the load (it follows the run's signal): wait for what is left.
          started = running.started;
          running.report = showItems;
          try {
            const outcome = await running.result;
            if ('error' in outcome) throw outcome.error;
            timings = outcome.timings;
            analyzedBeside = running.analyzed;
          } finally {
            build = undefined;
          }
        } else {
          const sizes = await tableSizes(where.target, signal);
          started = Date.now();
          timings = await runPostData(where.target, postData ?? { preamble: '', items: [] }, {
            signal,
            sessions: where.sessions,
            settings: postDataSettings(where),
            tableWeight: (table) => sizes.get(table) ?? 0,
            dumpName,
            onProgress: showItems,
          });
        }
        const slowest = slowestOf(timings);
        const sessions = running?.sessions ?? where.sessions;
        const after = running
          ? ` since the load began, ${formatDuration(Date.now() - stepStarted)} of it after the data`
          : '';
        const analyzed = analyzedBeside > 0 ? ` and ${analyzedBeside} tables analyzed` : '';
        return {
          summary: `${items.length} indexes and constraints built${analyzed} in ${formatDuration(Date.now() - started)}${after} (${sessions} sessions${slowest ? `; slowest: ${slowest}` : ''})`,
        };
      },
    },
    {
      id: 'analyze',
      title: 'Analyze',
      async run({ signal }) {
        if (analyzedBeside > 0) {
          options.onLoaded?.(Date.now() - loadStarted);
          return { summary: `${analyzedBeside} tables analyzed with the index builds` };
        }
        const where = options.where();
        await analyzeAll(where.target, where.sessions, signal);
        options.onLoaded?.(Date.now() - loadStarted);
        return undefined;
      },
    },
  ];
}
