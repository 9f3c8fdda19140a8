// Benchmark (not a test): the post-data scheduler (source/load/post-data.ts) on a large schema,
// no database. TABLES tables, each with a primary key, two indexes and a foreign key to the table
// before it (4 items a table, the shape pg_dump writes), scheduled on 2 sessions until every item
// is done; prints the items, the rounds and the milliseconds the scheduling took.
//
//   node --import tsx bench/schedule-bench.ts [TABLES]     # default 300 (1,199 items)
import { nextItems, type PostDataItem } from '../source/load/post-data.ts';

const tables = Number(process.argv[2] ?? 300);
const items: PostDataItem[] = [];
const add = (item: Omit<PostDataItem, 'id'>) => items.push({ id: items.length, ...item });
for (let t = 0; t < tables; t++) {
  add({
    name: `t${t} t${t}_pkey`,
    type: 'CONSTRAINT',
    kind: 'build',
    tables: [`s.t${t}`],
    sql: `ALTER TABLE ONLY s.t${t} ADD CONSTRAINT t${t}_pkey PRIMARY KEY (id);`,
  });
}
for (let t = 0; t < tables; t++) {
  for (const column of ['a', 'b']) {
    add({
      name: `t${t}_${column}`,
      type: 'INDEX',
      kind: 'build',
      tables: [`s.t${t}`],
      sql: `CREATE INDEX t${t}_${column} ON s.t${t} USING btree (${column});`,
    });
  }
}
for (let t = 1; t < tables; t++) {
  add({
    name: `t${t} t${t}_fkey`,
    type: 'FK CONSTRAINT',
    kind: 'after',
    tables: [`s.t${t}`, `s.t${t - 1}`],
    sql: `ALTER TABLE ONLY s.t${t} ADD CONSTRAINT t${t}_fkey FOREIGN KEY (p) REFERENCES s.t${t - 1}(id);`,
  });
}

const weight = (table: string) => Number(table.slice(3));
const done = new Set<number>();
const running: number[] = [];
const started = performance.now();
let rounds = 0;
while (done.size < items.length) {
  const picked = nextItems(items, { done, running: new Set(running) }, 2 - running.length, weight);
  running.push(...picked.map((item) => item.id));
  const finished = running.shift();
  if (finished === undefined) throw new Error('the schedule is stuck');
  done.add(finished);
  rounds++;
}
console.log(
  `${items.length} post-data items of ${tables} tables, ${rounds} rounds on 2 sessions: ${Math.round(performance.now() - started)} ms of scheduling`,
);
