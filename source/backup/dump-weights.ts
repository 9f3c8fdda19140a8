// How far a dump is, weighted by the size of each table (issue 17): pure functions and SQL text,
// no docker calls here (dump-to-share.ts runs the queries, dump-script.ts the sampling loop).

/** One table whose contents pg_dump writes, named as `pg_dump --verbose` names it. */
export type TableWeight = {
  /** schema.table, unquoted, as in "dumping contents of table "public.big"". */
  name: string;
  /** pg_table_size: heap and TOAST, what COPY reads (indexes are not dumped as data). */
  bytes: number;
  /** pg_class.reltuples: the planner's row estimate; -1 or 0 when never analysed. */
  rows: number;
};

const dumpedTables =
  "from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";

/** Counts the tables whose contents pg_dump writes (ordinary tables outside the system schemas). */
export const countTablesSql = `select count(*) ${dumpedTables}`;

/** The same tables, one a line: name TAB size in bytes TAB row estimate. Read before the dump. */
export const tableWeightsSql = `select n.nspname || '.' || c.relname, pg_table_size(c.oid), c.reltuples::bigint ${dumpedTables}`;

/**
 * Where pg_dump's running COPY stands (PostgreSQL 14+: pg_stat_progress_copy), printed by the dump
 * script's once-a-second loop as "ovena-copy ROWS BYTES schema.table".
 */
export const copyProgressSql =
  "select 'ovena-copy ' || p.tuples_processed || ' ' || p.bytes_processed || ' ' || n.nspname || '.' || c.relname from pg_stat_progress_copy p join pg_class c on c.oid = p.relid join pg_namespace n on n.oid = c.relnamespace join pg_stat_activity a on a.pid = p.pid where p.command = 'COPY TO' and p.datname = current_database() and a.application_name = 'pg_dump'";

export function parseTableWeights(text: string): TableWeight[] {
  const weights: TableWeight[] = [];
  for (const line of text.split('\n')) {
    const [name, bytes, rows] = line.split('\t');
    if (!name || bytes === undefined) continue;
    const size = Number(bytes);
    const estimate = Number(rows);
    weights.push({
      name,
      bytes: Number.isFinite(size) && size > 0 ? size : 0,
      rows: Number.isFinite(estimate) ? estimate : -1,
    });
  }
  return weights;
}

/** What the dump has shown so far: the tables pg_dump started, its COPY, the compressor's chunks. */
export type DumpPosition = {
  /** Tables whose contents pg_dump started, in order; the last one is being dumped. */
  started: readonly string[];
  /** The last sample of pg_dump's COPY (rows and text bytes sent for `table`). */
  copy?: { table: string; rows: number; bytes: number } | undefined;
  /**
   * Parallel gzip only: uncompressed bytes read from pg_dump so far, and how many of them are
   * compressed and appended to the file. The file lags pg_dump by the chunks in the workers.
   */
  chunks?: { read: number; flushed: number } | undefined;
};

/** Share of the current table already sent when its row estimate is unknown: at most this. */
const unknownRowsCap = 0.9;

/**
 * The share of the dump written (0..1), each table weighted by its size: the tables before the
 * current one count whole, the current one by its COPY's rows against the row estimate (or, never
 * analysed, its text bytes against its size, capped); parallel gzip's chunks still in the workers
 * are taken off, so the fraction moves with the bytes written to the file, not ahead of them.
 * Undefined when the tables weigh nothing (an empty database): the caller counts tables instead.
 */
export function weightedFraction(
  weights: ReadonlyMap<string, TableWeight>,
  position: DumpPosition,
): number | undefined {
  let total = 0;
  for (const weight of weights.values()) total += weight.bytes;
  if (total <= 0) return undefined;
  const current = position.started.at(-1);
  let done = 0;
  const counted = new Set<string>();
  for (const name of position.started.slice(0, -1)) {
    if (name === current || counted.has(name)) continue;
    counted.add(name);
    done += weights.get(name)?.bytes ?? 0;
  }
  const table = current === undefined ? undefined : weights.get(current);
  const { copy } = position;
  if (table && copy && copy.table === current) done += table.bytes * shareOfTable(table, copy);
  let fraction = Math.max(0, Math.min(1, done / total));
  const { chunks } = position;
  if (chunks && chunks.read > 0) fraction *= Math.max(0, Math.min(1, chunks.flushed / chunks.read));
  return fraction;
}

function shareOfTable(table: TableWeight, copy: { rows: number; bytes: number }): number {
  if (table.rows > 0) return Math.max(0, Math.min(1, copy.rows / table.rows));
  if (table.bytes <= 0) return 0;
  return Math.max(0, Math.min(unknownRowsCap, copy.bytes / table.bytes));
}

/** Parses the loop's "ovena-copy ROWS BYTES NAME" and "ovena-chunks READ FLUSHED" lines. */
export function parseWeightLine(
  line: string,
):
  | { kind: 'copy'; table: string; rows: number; bytes: number }
  | { kind: 'chunks'; read: number; flushed: number }
  | undefined {
  const text = line.trim();
  const copy = /^ovena-copy (\d+) (\d+) (.+)$/.exec(text);
  if (copy?.[1] && copy[2] && copy[3])
    return { kind: 'copy', rows: Number(copy[1]), bytes: Number(copy[2]), table: copy[3] };
  const chunks = /^ovena-chunks (\d+) (\d+)$/.exec(text);
  if (chunks?.[1] && chunks[2])
    return { kind: 'chunks', read: Number(chunks[1]), flushed: Number(chunks[2]) };
  return undefined;
}
