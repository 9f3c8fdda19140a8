import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sizeSessions } from '../../source/load/load-server.ts';
import {
  canStart,
  headItem,
  nextItems,
  type PostDataItem,
  splitPostData,
  tablesOf,
} from '../../source/load/post-data.ts';

// What the fast load sets aside: the dump's preamble, then its post-data section (pg_dump 15 text).
const text = `\\restrict abc123
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
SET default_tablespace = '';
--
-- Name: resources resources_pkey; Type: CONSTRAINT; Schema: public; Owner: orthanc
--

ALTER TABLE ONLY public.resources
    ADD CONSTRAINT resources_pkey PRIMARY KEY (internalid);


--
-- Name: attachedfiles attachedfiles_pkey; Type: CONSTRAINT; Schema: public; Owner: orthanc
--

ALTER TABLE ONLY public.attachedfiles
    ADD CONSTRAINT attachedfiles_pkey PRIMARY KEY (id, filetype);


--
-- Name: childrenindex; Type: INDEX; Schema: public; Owner: orthanc
--

CREATE INDEX childrenindex ON public.resources USING btree (parentid);


--
-- Name: publicindex; Type: INDEX; Schema: public; Owner: orthanc
--

CREATE INDEX publicindex ON public.resources USING btree (publicid);


--
-- Name: resources attachedfileincrementsize; Type: TRIGGER; Schema: public; Owner: orthanc
--

CREATE TRIGGER attachedfileincrementsize AFTER INSERT ON public.attachedfiles FOR EACH ROW EXECUTE FUNCTION public.attachedfileincrementsizefunc();


--
-- Name: attachedfiles attachedfiles_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: orthanc
--

ALTER TABLE ONLY public.attachedfiles
    ADD CONSTRAINT attachedfiles_id_fkey FOREIGN KEY (id) REFERENCES public.resources(internalid) ON DELETE CASCADE;


--
-- Name: resources resources_parentid_fkey; Type: FK CONSTRAINT; Schema: public; Owner: orthanc
--

ALTER TABLE ONLY public.resources
    ADD CONSTRAINT resources_parentid_fkey FOREIGN KEY (parentid) REFERENCES public.resources(internalid) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\\unrestrict abc123
`;

function item(
  id: number,
  kind: PostDataItem['kind'],
  tables: string[],
  type = kind === 'build' ? 'INDEX' : kind === 'after' ? 'FK CONSTRAINT' : 'COMMENT',
): PostDataItem {
  return { id, name: `item${id}`, type, kind, tables, sql: `-- ${id}` };
}

/** Runs a whole schedule with `sessions` slots, finishing the oldest running item each round. */
function simulate(items: PostDataItem[], sessions: number, weight?: (t: string) => number) {
  const done = new Set<number>();
  const running: number[] = [];
  const order: number[] = [];
  const overlaps: Array<[number, number]> = [];
  for (let round = 0; round < 1000 && done.size < items.length; round++) {
    const picked = nextItems(
      items,
      { done, running: new Set(running) },
      sessions - running.length,
      weight,
    );
    for (const next of picked) {
      for (const other of running) {
        const a = items[other];
        if (a?.tables.some((t) => next.tables.includes(t))) overlaps.push([other, next.id]);
      }
      running.push(next.id);
      order.push(next.id);
    }
    assert.ok(running.length <= sessions);
    const finished = running.shift();
    assert.notEqual(finished, undefined, 'the schedule is stuck');
    done.add(finished as number);
  }
  return { order, overlaps, done };
}

describe('post-data splitter', () => {
  it('splits by the dump headers, keeps the preamble, drops psql meta-commands', () => {
    const { preamble, items } = splitPostData(text);
    assert.equal(
      preamble,
      "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\nSELECT pg_catalog.set_config('search_path', '', false);\nSET default_tablespace = '';",
    );
    assert.deepEqual(
      items.map((i) => [i.type, i.kind, i.tables.join('+')]),
      [
        ['CONSTRAINT', 'build', 'public.resources'],
        ['CONSTRAINT', 'build', 'public.attachedfiles'],
        ['INDEX', 'build', 'public.resources'],
        ['INDEX', 'build', 'public.resources'],
        ['TRIGGER', 'after', 'public.attachedfiles'],
        ['FK CONSTRAINT', 'after', 'public.attachedfiles+public.resources'],
        ['FK CONSTRAINT', 'after', 'public.resources'],
      ],
    );
    assert.equal(
      items[0]?.sql,
      'ALTER TABLE ONLY public.resources\n    ADD CONSTRAINT resources_pkey PRIMARY KEY (internalid);',
    );
    assert.ok(
      items.every((i) => !i.sql.includes('\\unrestrict') && !i.sql.includes('dump complete')),
    );
  });

  it('finds the tables of each kind of item', () => {
    assert.deepEqual(
      tablesOf('INDEX', 'CREATE UNIQUE INDEX x ON ONLY public."T" USING btree (a);'),
      ['public."T"'],
    );
    assert.deepEqual(
      tablesOf('RULE', 'CREATE RULE r AS\n    ON INSERT TO public.t DO INSTEAD NOTHING;'),
      ['public.t'],
    );
    assert.deepEqual(tablesOf('COMMENT', "COMMENT ON INDEX public.x IS 'y';"), []);
  });
});

describe('post-data scheduler', () => {
  it('runs only indexes together on one table, never a key beside them, keys before foreign keys', () => {
    const { items } = splitPostData(text);
    const { order, overlaps, done } = simulate(items, 3);
    assert.equal(done.size, items.length);
    // resources' two CREATE INDEX (SHARE locks) build at once; nothing else shares a table.
    assert.deepEqual(overlaps, [[2, 3]]);
    const position = (id: number) => order.indexOf(id);
    // resources: with equal weights, pkey (0), childrenindex (2), publicindex (3) in dump order.
    assert.ok(position(0) < position(2) && position(2) < position(3));
    // Each foreign key after every build item of both its tables.
    for (const fk of [5, 6])
      for (const build of [0, 1, 2, 3]) assert.ok(position(build) < position(fk));
    // Two tables' first items start together.
    assert.deepEqual(order.slice(0, 2), [0, 1]);
  });

  it('a foreign key waits for both tables; a barrier runs alone after everything before it', () => {
    const items = [
      item(0, 'build', ['a']),
      item(1, 'build', ['b']),
      item(2, 'after', ['a', 'b']),
      item(3, 'barrier', []),
      item(4, 'build', ['c']),
    ];
    const state = { done: new Set([0]), running: new Set([1]) };
    assert.equal(canStart(items, items[2] as PostDataItem, state), false, 'b still building');
    assert.equal(canStart(items, items[4] as PostDataItem, state), false, 'behind the barrier');
    const all = { done: new Set([0, 1, 2]), running: new Set<number>() };
    assert.equal(canStart(items, items[3] as PostDataItem, all), true);
    assert.equal(
      canStart(items, items[3] as PostDataItem, { done: new Set([0, 1]), running: new Set([2]) }),
      false,
    );
    const { overlaps } = simulate(items, 4);
    assert.deepEqual(overlaps, []);
  });

  it('builds a GIN index first, beside the B-trees of its table, before its key; the foreign key last', () => {
    const sql = (id: number, text: string): PostDataItem => ({
      id,
      name: `item${id}`,
      type: text.startsWith('ALTER TABLE ONLY t ADD CONSTRAINT t_fk')
        ? 'FK CONSTRAINT'
        : text.includes('INDEX')
          ? 'INDEX'
          : 'CONSTRAINT',
      kind: text.includes('FOREIGN') ? 'after' : 'build',
      tables: ['t'],
      sql: text,
    });
    const items = [
      item(0, 'build', ['big']),
      sql(1, 'ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id);'),
      sql(2, 'CREATE INDEX t_a ON t USING btree (a);'),
      sql(3, 'CREATE INDEX t_v ON t USING gin (v public.gin_trgm_ops);'),
      sql(4, 'ALTER TABLE ONLY t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES t(id);'),
    ];
    const weight = (table: string) => (table === 'big' ? 3 : 1);
    const none = { done: new Set<number>(), running: new Set<number>() };
    // The GIN index (6) goes first: it waits for no key, and outweighs the bigger table (3) and
    // t's key (1, plus the foreign key behind it).
    assert.deepEqual(
      nextItems(items, none, 1, weight).map((i) => i.id),
      [3],
    );
    // Beside it: the other index of t and the bigger table, never t's key (an exclusive lock).
    const gin = { done: new Set<number>(), running: new Set([3]) };
    assert.deepEqual(
      nextItems(items, gin, 3, weight).map((i) => i.id),
      [0, 2],
    );
    assert.equal(canStart(items, items[1] as PostDataItem, gin), false, 'the key waits');
    // Keys and indexes in any order, one at a time: the key may go before the earlier index.
    assert.equal(
      canStart(items, items[1] as PostDataItem, { done: new Set([3]), running: new Set() }),
      true,
    );
    assert.equal(
      canStart(items, items[2] as PostDataItem, { done: new Set(), running: new Set() }),
      true,
      'an index needs no key before it',
    );
    // The foreign key after every key and index of its table.
    assert.equal(
      canStart(items, items[4] as PostDataItem, { done: new Set([1, 2]), running: new Set([3]) }),
      false,
    );
    assert.equal(
      canStart(items, items[4] as PostDataItem, { done: new Set([2, 3]), running: new Set() }),
      false,
      'after the key',
    );
    assert.equal(
      canStart(items, items[4] as PostDataItem, { done: new Set([1, 2, 3]), running: new Set() }),
      true,
    );
  });

  it('names the head of the longest chain, running or not, until it is done', () => {
    const items = [
      item(0, 'build', ['small']),
      item(1, 'build', ['big']),
      item(2, 'after', ['small', 'big']),
    ];
    const weight = (t: string) => (t === 'big' ? 100 : 1);
    assert.equal(headItem(items, new Set(), weight)?.id, 1);
    // small's key carries the foreign key behind it (which weighs 100, as big does).
    assert.equal(headItem(items, new Set([1]), weight)?.id, 0);
    assert.equal(headItem(items, new Set([0, 1]), weight)?.id, 2);
    assert.equal(headItem(items, new Set([0, 1, 2]), weight), undefined);
  });

  it('starts the largest table first when several may start', () => {
    const items = [
      item(0, 'build', ['small']),
      item(1, 'build', ['big']),
      item(2, 'build', ['big']),
    ];
    const picked = nextItems(items, { done: new Set(), running: new Set() }, 1, (t) =>
      t === 'big' ? 100 : 1,
    );
    assert.deepEqual(
      picked.map((i) => i.id),
      [1],
    );
    const two = nextItems(items, { done: new Set(), running: new Set() }, 2);
    assert.deepEqual(
      two.map((i) => i.id),
      [0, 1],
    );
  });

  it('sessions × maintenance_work_mem stay within a quarter of memory', () => {
    assert.deepEqual(sizeSessions(2, 4 * 1024 ** 3), { sessions: 2, maintenanceWorkMemMb: 512 });
    assert.deepEqual(sizeSessions(16, 2 * 1024 ** 3), { sessions: 8, maintenanceWorkMemMb: 64 });
    assert.deepEqual(sizeSessions(0.5, 64 * 1024 ** 3), {
      sessions: 1,
      maintenanceWorkMemMb: 2048,
    });
  });
});

describe('post-data scheduler, odd dumps', () => {
  it('an index written after a foreign key of its table still gets its turn (no deadlock)', () => {
    const items = [
      item(0, 'build', ['a']),
      item(1, 'after', ['b', 'a']),
      item(2, 'build', ['a']),
      item(3, 'build', ['b']),
    ];
    const { done, overlaps, order } = simulate(items, 2);
    assert.equal(done.size, 4);
    assert.deepEqual(overlaps, []);
    assert.ok(order.indexOf(1) < order.indexOf(2), 'dump order on table a');
  });
});
