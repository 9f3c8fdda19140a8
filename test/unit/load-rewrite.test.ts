import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BuildGate } from '../../source/load/build-gate.ts';
import { splitProgram } from '../../source/load/fast-load.ts';
import { postDataHeaderRegex, splitPostData } from '../../source/load/post-data.ts';
import { parseScanOutput } from '../../source/load/scan-dump.ts';

/** A small plain dump as pg_dump writes it: preamble, schema, two tables' data, post-data. */
const dump = [
  '\\restrict abc',
  '',
  'SET client_min_messages = warning;',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  '',
  '--',
  '-- Name: f(); Type: FUNCTION; Schema: public; Owner: o',
  '--',
  '',
  'CREATE FUNCTION public.f() RETURNS void AS $$',
  'COPY public.t FROM stdin;',
  '$$ LANGUAGE sql;',
  '',
  '--',
  '-- Data for Name: a; Type: TABLE DATA; Schema: public; Owner: o',
  '--',
  '',
  'COPY public.a (id, v) FROM stdin;',
  '1\tCOPY x',
  '\\.',
  '',
  '',
  '--',
  '-- Data for Name: b; Type: TABLE DATA; Schema: public; Owner: o',
  '--',
  '',
  'COPY public.b (id) FROM stdin;',
  '7',
  '\\.',
  "SELECT pg_catalog.setval('public.s', 3, true);",
  '',
  '--',
  '-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: o',
  '--',
  '',
  'ALTER TABLE ONLY public.a',
  '    ADD CONSTRAINT a_pkey PRIMARY KEY (id);',
  '',
  '-- PostgreSQL database dump complete',
  '',
  '\\unrestrict abc',
];

function rewrite(text: string): { out: string[]; setAside: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ovena-rewrite-'));
  try {
    const file = path.join(dir, 'post.sql');
    const out = execFileSync(
      'awk',
      ['-v', `out=${file}`, '-v', `header=${postDataHeaderRegex}`, splitProgram],
      { input: text, encoding: 'utf8' },
    );
    return { out: out.split('\n'), setAside: readFileSync(file, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the fast load's rewrite of a dump (awk, as the loader runs it)", () => {
  const { out, setAside } = rewrite(`${dump.join('\n')}\n`);
  const lineOf = (text: string, lines: readonly string[]) =>
    lines.findIndex((line) => line.endsWith(text)) + 1;

  it("wraps each table's data in its own transaction that empties the table first", () => {
    const copyA = out.find((line) => line.includes('COPY public.a (id, v) FROM stdin'));
    assert.equal(
      copyA,
      'BEGIN; TRUNCATE ONLY public.a; COPY public.a (id, v) FROM stdin WITH (FREEZE);',
    );
    assert.ok(
      out.includes("COMMIT; DO $ovena$ BEGIN RAISE WARNING 'ovena-table-loaded 1'; END $ovena$; "),
    );
    // b's COMMIT shares the line of the statement right after its data.
    assert.ok(
      out.includes(
        "COMMIT; DO $ovena$ BEGIN RAISE WARNING 'ovena-table-loaded 2'; END $ovena$; SELECT pg_catalog.setval('public.s', 3, true);",
      ),
    );
  });

  it("keeps every line of the data section at the dump's line number (psql names errors by it)", () => {
    for (const text of ["SELECT pg_catalog.setval('public.s', 3, true);", '1\tCOPY x']) {
      assert.equal(lineOf(text, out), lineOf(text, dump), text);
    }
    assert.equal(
      lineOf('COPY public.b (id) FROM stdin WITH (FREEZE);', out),
      lineOf('COPY public.b (id) FROM stdin;', dump),
    );
  });

  it('freezes only a block that loads the table its header names (not one through a partitioned root)', () => {
    const block = (header: string, copy: string) => [
      '--',
      `-- Data for Name: ${header}; Type: TABLE DATA; Schema: public; Owner: o`,
      '--',
      '',
      copy,
      '1',
      '\\.',
      '',
    ];
    const { out: rewritten } = rewrite(
      `${[
        ...block('Foo Bar', 'COPY public."Foo Bar" (id) FROM stdin;'),
        ...block('part_1', 'COPY public.root (id) FROM stdin;'),
        '-- PostgreSQL database dump complete',
      ].join('\n')}\n`,
    );
    assert.ok(
      rewritten.includes(
        'BEGIN; TRUNCATE ONLY public."Foo Bar"; COPY public."Foo Bar" (id) FROM stdin WITH (FREEZE);',
      ),
    );
    assert.ok(
      rewritten.some((line) =>
        line.endsWith(
          'BEGIN; DO $ovena$ BEGIN TRUNCATE ONLY public.root; EXCEPTION WHEN OTHERS THEN NULL; END $ovena$; COPY public.root (id) FROM stdin;',
        ),
      ),
    );
  });

  it("leaves a COPY line in a function's body alone (not a table's data)", () => {
    assert.ok(out.includes('COPY public.t FROM stdin;'));
    assert.ok(out.includes('$$ LANGUAGE sql;'));
  });

  it('sets the post-data section aside with the preamble, and sends none of it to psql', () => {
    assert.ok(!out.some((line) => line.includes('a_pkey')));
    const postData = splitPostData(setAside);
    assert.deepEqual(
      postData.items.map((item) => item.name),
      ['a a_pkey'],
    );
    assert.match(postData.preamble, /client_min_messages = warning/);
  });

  it('reads the same items from the scan output as from the set-aside file', () => {
    const lines = [
      'ovena-table\tpublic.a\t1\t18',
      ...dump.slice(2, 4).map((line) => `ovena-pre\t${line}`),
      ...dump
        .slice(dump.indexOf('-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: o'))
        .map((line) => `ovena-post\t${line}`),
      'ovena-lines\t42',
    ];
    const scan = parseScanOutput(lines);
    assert.deepEqual(scan.tables, [{ table: 'public.a', rows: 1, line: 18 }]);
    assert.equal(scan.lines, 42);
    const fromScan = splitPostData(scan.postData);
    const fromLoad = splitPostData(setAside);
    assert.deepEqual(
      fromScan.items.map((item) => item.sql),
      fromLoad.items.map((item) => item.sql),
    );
    assert.equal(fromScan.preamble, fromLoad.preamble);
  });
});

describe('the build gate', () => {
  const item = (tables: string[]) => ({
    id: 0,
    name: 'x',
    type: 'INDEX',
    kind: 'build' as const,
    tables,
    sql: '',
  });

  it('lets an item start once every table it names is loaded; one naming none waits for the end', () => {
    const gate = new BuildGate(1);
    let changes = 0;
    const stop = gate.onChange(() => changes++);
    assert.equal(gate.allows(item(['a', 'b'])), false);
    gate.tableLoaded('a');
    assert.equal(gate.allows(item(['a', 'b'])), false);
    gate.tableLoaded('b');
    assert.equal(gate.allows(item(['a', 'b'])), true);
    assert.equal(gate.allows(item([])), false);
    assert.equal(gate.limit(2), 1, 'fewer sessions while the data loads');
    gate.open();
    assert.equal(gate.allows(item([])), true);
    assert.equal(gate.allows(item(['c'])), true);
    assert.equal(gate.limit(2), 2);
    assert.equal(changes, 3);
    stop();
    gate.tableLoaded('d');
    assert.equal(changes, 3);
  });
});
