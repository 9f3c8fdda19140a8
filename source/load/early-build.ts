import { childController } from '../jobs/child-controller.ts';
import type { BuildGate } from './build-gate.ts';
import type { PgTarget } from './pg-target.ts';
import type { PostData, PostDataItem } from './post-data.ts';
import { type ItemTiming, runPostData } from './post-data-runner.ts';
import type { DumpScan } from './scan-dump.ts';

/**
 * The index builds that run beside the data load (load-steps.ts): the scan's post-data items,
 * then each loaded table's ANALYZE, in parallel sessions held back by the gate until their
 * tables are in. Started by the load step, awaited by the `post-data` step; it follows the run's
 * signal, so it stops wherever the job stands.
 */
export type EarlyBuild = {
  /** The post-data items, then one ANALYZE per loaded table, then one of partitioned tables. */
  items: readonly PostDataItem[];
  /** Tables it analyzes. */
  analyzed: number;
  started: number;
  sessions: number;
  /** Settles when every item is built, or with the first failure; never rejects unhandled. */
  result: Promise<{ timings: ItemTiming[] } | { error: unknown }>;
  controller: AbortController;
  /** Where its progress goes: the load step's detail, then the post-data step's bar. */
  report(done: number, total: number, running: readonly string[]): void;
};

/** Partitioned tables hold no rows of their own (no COPY): one ANALYZE of them all, last. */
const partitionedAnalyze = `DO $ovena$ DECLARE r record; BEGIN
FOR r IN SELECT c.oid::regclass AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
LOOP EXECUTE 'ANALYZE ' || r.t; END LOOP; END $ovena$;`;

/**
 * Each loaded table's ANALYZE, after its keys, indexes and foreign keys (an expression index has
 * statistics of its own), so it runs beside the longest build instead of after it.
 */
function analyzeItems(planned: PostData, scan: DumpScan): PostDataItem[] {
  const first = planned.items.length;
  const tables: PostDataItem[] = scan.tables.map((table, index) => ({
    id: first + index,
    name: table.table,
    type: 'ANALYZE',
    kind: 'after',
    tables: [table.table],
    sql: `ANALYZE ${table.table};`,
  }));
  return [
    ...tables,
    {
      id: first + tables.length,
      name: 'partitioned tables',
      type: 'ANALYZE',
      kind: 'barrier',
      tables: [],
      sql: partitionedAnalyze,
    },
  ];
}

export function startEarlyBuild(
  target: PgTarget,
  planned: PostData,
  scan: DumpScan,
  options: {
    gate: BuildGate;
    /** The run's signal. */
    signal: AbortSignal;
    sessions: number;
    settings: readonly string[];
    dumpName: string;
  },
): EarlyBuild {
  const rows = new Map(scan.tables.map((table) => [table.table, table.rows]));
  const items = [...planned.items, ...analyzeItems(planned, scan)];
  const { controller, dispose } = childController(options.signal);
  const build: EarlyBuild = {
    items,
    analyzed: scan.tables.length,
    started: Date.now(),
    sessions: options.sessions,
    controller,
    report: () => {},
    result: Promise.resolve({ timings: [] }),
  };
  build.result = runPostData(
    target,
    { preamble: planned.preamble, items },
    {
      signal: controller.signal,
      sessions: options.sessions,
      settings: options.settings,
      tableWeight: (table) => rows.get(table) ?? 0,
      dumpName: options.dumpName,
      gate: options.gate,
      onProgress: (done, total, running) => build.report(done, total, running),
    },
  )
    .then(
      (timings) => ({ timings }),
      (error: unknown) => ({ error }),
    )
    .finally(dispose);
  return build;
}
