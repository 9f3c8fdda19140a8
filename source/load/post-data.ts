/**
 * The post-data section of a plain pg_dump (indexes, constraints, triggers, …), split by its
 * `-- Name: X; Type: T; Schema: S; Owner: O` headers into items that parallel sessions can build,
 * and the rules that say which item may start (pg_restore -j's rules): CREATE INDEX takes a SHARE
 * lock, so several indexes of one table build at once; anything else (a key, a foreign key, a
 * trigger: ALTER TABLE's exclusive locks) runs alone on its tables, in the dump's order (pg_dump
 * writes keys and indexes before foreign keys, so a foreign key, which locks both of its tables,
 * waits for the keys of both); anything unknown is a barrier that runs alone. Pure: no I/O,
 * unit-tested.
 */

/** Header types that open the post-data section (pg_dump's SECTION_POST_DATA objects). */
const postDataTypes = [
  'CONSTRAINT',
  'INDEX',
  'FK CONSTRAINT',
  'TRIGGER',
  'RULE',
  'INDEX ATTACH',
  'POLICY',
  'EVENT TRIGGER',
  'MATERIALIZED VIEW DATA',
  'STATISTICS',
  'PUBLICATION TABLE',
  'PUBLICATION TABLES IN SCHEMA',
];

/** The awk regular expression (ERE) of a header that opens the post-data section. */
export const postDataHeaderRegex = `^-- Name: .*; Type: (${postDataTypes.join('|')}); Schema: `;

/** How an item is scheduled. */
export type ItemKind =
  /** Index or PK/unique/check constraint: first on its table. */
  | 'build'
  /** Foreign key, trigger, rule: after the items before it on its tables (in dump order). */
  | 'after'
  /** Anything else (comments, ACLs, index attach, …): alone, after everything before it. */
  | 'barrier';

export type PostDataItem = {
  /** Index in dump order. */
  id: number;
  /** e.g. "resources resources_pkey" */
  name: string;
  /** e.g. "CONSTRAINT" */
  type: string;
  kind: ItemKind;
  /** Tables the item locks, schema-qualified as the dump writes them. */
  tables: string[];
  sql: string;
};

export type PostData = {
  /** The dump's session settings (SET …, set_config) to run first in every session. */
  preamble: string;
  items: PostDataItem[];
};

const headerPattern = /^-- Name: (.*); Type: (.+?); Schema: /;

function qualifiedName(text: string): string {
  return text.replace(/[;,]$/, '');
}

/** The tables an item's SQL names (ALTER TABLE x … REFERENCES y, CREATE INDEX … ON x, …). */
export function tablesOf(type: string, sql: string): string[] {
  const flat = sql.replace(/\s+/g, ' ');
  const found: string[] = [];
  const add = (name: string | undefined) => {
    if (name && !found.includes(name)) found.push(qualifiedName(name));
  };
  const alter = /\bALTER TABLE (?:ONLY )?([^\s(]+)/.exec(flat);
  if (type === 'CONSTRAINT' || type === 'FK CONSTRAINT') add(alter?.[1]);
  if (type === 'FK CONSTRAINT') add(/\bREFERENCES ([^\s(]+)/.exec(flat)?.[1]);
  if (type === 'INDEX') add(/\bINDEX .*? ON (?:ONLY )?([^\s(]+)/.exec(flat)?.[1]);
  if (type === 'TRIGGER') add(/\bTRIGGER .*? ON ([^\s(]+)/.exec(flat)?.[1]);
  if (type === 'RULE') add(/\bAS ON \w+ TO ([^\s(]+)/.exec(flat)?.[1]);
  return found;
}

function kindOf(type: string, tables: readonly string[]): ItemKind {
  if (tables.length === 0) return 'barrier';
  if (type === 'INDEX' || type === 'CONSTRAINT') return 'build';
  if (type === 'FK CONSTRAINT' || type === 'TRIGGER' || type === 'RULE') return 'after';
  return 'barrier';
}

/**
 * Splits the text ovena's loader set aside: the dump's preamble (its first lines up to the first
 * header), then the post-data section. psql meta-commands (`\restrict`, `\unrestrict`) are
 * dropped: sessions run only SQL.
 */
export function splitPostData(text: string): PostData {
  const lines = text.split('\n');
  const preamble: string[] = [];
  const items: PostDataItem[] = [];
  let current: { name: string; type: string; lines: string[] } | undefined;
  const finish = () => {
    if (!current) return;
    // The `--` line before the next header belongs to that header.
    while (current.lines.length > 0 && /^(--.*)?\s*$/.test(current.lines.at(-1) ?? '')) {
      current.lines.pop();
    }
    while (current.lines.length > 0 && /^(--)?\s*$/.test(current.lines[0] ?? '')) {
      current.lines.shift();
    }
    const sql = current.lines.join('\n').trim();
    const tables = tablesOf(current.type, sql);
    if (sql.replace(/^--.*$/gm, '').trim() !== '') {
      items.push({
        id: items.length,
        name: current.name,
        type: current.type,
        kind: kindOf(current.type, tables),
        tables,
        sql,
      });
    }
  };
  for (const line of lines) {
    if (line.startsWith('\\')) continue;
    const header = headerPattern.exec(line);
    if (header) {
      finish();
      current = { name: header[1] ?? '?', type: header[2] ?? '?', lines: [] };
      continue;
    }
    if (current) current.lines.push(line);
    else if (!line.startsWith('--') && line.trim() !== '') preamble.push(line);
  }
  finish();
  return { preamble: preamble.join('\n'), items };
}

export type ScheduleState = {
  done: ReadonlySet<number>;
  running: ReadonlySet<number>;
};

const sharing = new WeakMap<PostDataItem, boolean>();

/** CREATE INDEX (not CREATE INDEX … attach, not a key): a SHARE lock on its table. */
function sharesLock(item: PostDataItem): boolean {
  let shares = sharing.get(item);
  if (shares === undefined) {
    shares = item.type === 'INDEX' && /^\s*CREATE (UNIQUE )?INDEX\b/im.test(item.sql);
    sharing.set(item, shares);
  }
  return shares;
}

/**
 * What the scheduler looks up every round, made once per item list: each table's items, the
 * barriers, and the priority order by weight function. Without it a round read every item for
 * every candidate (1,199 items: 14.6 s of scheduling, 84 ms with it; bench/schedule-bench.ts).
 */
type ScheduleIndex = {
  byTable: Map<string, PostDataItem[]>;
  barriers: number[];
  sorted: WeakMap<(table: string) => number, PostDataItem[]>;
};
const indexes = new WeakMap<readonly PostDataItem[], ScheduleIndex>();

function indexOf(items: readonly PostDataItem[]): ScheduleIndex {
  let index = indexes.get(items);
  if (!index) {
    const byTable = new Map<string, PostDataItem[]>();
    for (const item of items) {
      for (const table of item.tables) {
        const list = byTable.get(table);
        if (list) list.push(item);
        else byTable.set(table, [item]);
      }
    }
    const barriers = items.filter((item) => item.kind === 'barrier').map((item) => item.id);
    index = { byTable, barriers, sorted: new WeakMap() };
    indexes.set(items, index);
  }
  return index;
}

/** Whether `item` may start now, given what is done and running (pg_restore -j's rules). */
export function canStart(
  items: readonly PostDataItem[],
  item: PostDataItem,
  state: ScheduleState,
): boolean {
  if (state.done.has(item.id) || state.running.has(item.id)) return false;
  if (item.kind === 'barrier') {
    if (state.running.size > 0) return false;
    return items.every((other) => other.id >= item.id || state.done.has(other.id));
  }
  const index = indexOf(items);
  // A barrier earlier in the dump holds back everything after it.
  if (index.barriers.some((id) => id < item.id && !state.done.has(id))) return false;
  for (const table of item.tables) {
    for (const other of index.byTable.get(table) ?? []) {
      if (other.id === item.id || state.done.has(other.id)) continue;
      // Indexes share their table (SHARE locks do not conflict with each other).
      if (sharesLock(item) && sharesLock(other)) continue;
      // Otherwise never two items on one table at once.
      if (state.running.has(other.id)) return false;
      // Indexes and keys depend on nothing but their table, so they build in any order (the
      // longest first: a trigram GIN index need not wait for its table's primary key). The rest
      // keeps the dump's order on its tables: pg_dump writes every index and key before the
      // triggers and foreign keys, so a foreign key (which names both of its tables) waits for
      // the keys of both.
      if (other.id < item.id && !inAnyOrder(item, other)) return false;
    }
  }
  return true;
}

/** Two builds (indexes, keys) on one table wait for neither: everything else keeps dump order. */
function inAnyOrder(a: PostDataItem, b: PostDataItem): boolean {
  return a.kind === 'build' && b.kind === 'build';
}

/** A GIN or GiST build costs several times a B-tree's on the same rows (trigram GIN: ~6x). */
function costOf(item: PostDataItem, tableWeight: (table: string) => number): number {
  const rows = Math.max(0, ...item.tables.map(tableWeight));
  return /\bUSING (gin|gist)\b/i.test(item.sql) ? rows * 6 : rows;
}

/**
 * The order to prefer among startable items: the longest chain first. An item that others on its
 * tables wait for (the keys and indexes a foreign key or trigger follows) carries the largest of
 * their costs.
 */
function priorities(
  items: readonly PostDataItem[],
  tableWeight: (table: string) => number,
): Map<number, number> {
  const index = indexOf(items);
  const result = new Map<number, number>();
  for (const item of items) {
    let behind = 0;
    for (const table of item.tables) {
      for (const later of index.byTable.get(table) ?? []) {
        if (later.id > item.id && !inAnyOrder(item, later)) {
          behind = Math.max(behind, costOf(later, tableWeight));
        }
      }
    }
    result.set(item.id, costOf(item, tableWeight) + behind);
  }
  return result;
}

/** The items by priority, then in dump order (sorted once per item list and weight function). */
function byPriority(
  items: readonly PostDataItem[],
  tableWeight: (table: string) => number,
): PostDataItem[] {
  const index = indexOf(items);
  const known = index.sorted.get(tableWeight);
  if (known) return known;
  const priority = priorities(items, tableWeight);
  const weight = (item: PostDataItem) => priority.get(item.id) ?? 0;
  const sorted = [...items].sort((a, b) => weight(b) - weight(a) || a.id - b.id);
  index.sorted.set(tableWeight, sorted);
  return sorted;
}

const noWeight = (): number => 0;

/**
 * The items to start now, at most `free` of them: those allowed by `canStart`, the longest chain
 * first (the largest tables, GIN/GiST builds and the keys they wait for), then in dump order.
 * Started items are checked against each other too. `allowed` holds back items whose tables are
 * not loaded yet (build-gate.ts).
 */
export function nextItems(
  items: readonly PostDataItem[],
  state: ScheduleState,
  free: number,
  tableWeight: (table: string) => number = noWeight,
  allowed: (item: PostDataItem) => boolean = () => true,
): PostDataItem[] {
  const running = new Set(state.running);
  const picked: PostDataItem[] = [];
  for (const item of byPriority(items, tableWeight)) {
    if (picked.length >= free) break;
    if (state.done.has(item.id) || running.has(item.id) || !allowed(item)) continue;
    if (canStart(items, item, { done: state.done, running })) {
      picked.push(item);
      running.add(item.id);
    }
  }
  return picked;
}

/**
 * The head of the longest chain: the unfinished item of highest priority, running or not. While
 * the data loads, a session is kept for it, so a mid-sized build started early cannot hold back
 * the longest one when its table arrives.
 */
export function headItem(
  items: readonly PostDataItem[],
  done: ReadonlySet<number>,
  tableWeight: (table: string) => number = noWeight,
): PostDataItem | undefined {
  return byPriority(items, tableWeight).find((item) => !done.has(item.id));
}
