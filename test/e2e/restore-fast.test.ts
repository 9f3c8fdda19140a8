import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createInstance,
  dbExec,
  docker,
  instanceIds,
  orthancStatistics,
  ovena,
  type Stack,
  startOvena,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** This stack's fast-load one-off servers on this host: id and ovena pid. */
async function loadServers(stack: Stack): Promise<string[]> {
  // The label ovena gives them: the sha256 of the compose files (load/throwaway.ts composeTag).
  const files = stack.env.OVENA_COMPOSE_FILE ?? '';
  const tag = `label=ovena.drill.compose=${createHash('sha256').update(files).digest('hex').slice(0, 16)}`;
  const out = await docker([
    'ps',
    '-a',
    '--filter',
    'label=ovena.drill=fast-load',
    '--filter',
    tag,
    '--format',
    '{{.ID}} {{.Label "ovena.drill.pid"}}',
  ]);
  return out.split('\n').filter(Boolean);
}

describe('restore with the fast load (one-off server, parallel post-data)', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('rs-fast', 60500);
  });

  after(async () => {
    await stack?.down();
  });

  it('kill -9 during the fast load: start refuses, a restore of the same dump completes, durable and restarted', async () => {
    await createInstance(stack.orthancUrl, 'FASTLOAD');
    // For the next case: a good plain dump with one broken index added to its post-data section.
    await dbExec(
      stack,
      `pg_dump -U orthanc orthanc | awk '/^-- PostgreSQL database dump complete/ { print "--\\n-- Name: resources broken_idx; Type: INDEX; Schema: public; Owner: orthanc\\n--\\n\\nCREATE INDEX broken_idx ON public.resources USING btree (nosuchcolumn);\\n\\n" } { print }' > /mnt/backup/broken-post.sql`,
    );
    // For the last case: a partitioned table whose rows pg_dump loads through its root.
    await dbExec(
      stack,
      `psql -q -U orthanc orthanc -c "CREATE TABLE parted (id int PRIMARY KEY, v text) PARTITION BY RANGE (id)" -c "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (500)" -c "CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (500) TO (1000)" -c "INSERT INTO parted SELECT g, md5(g::text) FROM generate_series(0, 999) g" && pg_dump --load-via-partition-root -U orthanc orthanc > /mnt/backup/parted.sql && psql -q -U orthanc orthanc -c "DROP TABLE parted"`,
    );
    // A dump whose load takes some seconds: Orthanc's tables, a ballast table and its index.
    await dbExec(
      stack,
      'psql -q -U orthanc orthanc -c "CREATE TABLE ballast AS SELECT g, md5(g::text) AS h FROM generate_series(1, 1000000) g" -c "CREATE INDEX ballast_h ON ballast (h, g)" -c "ALTER TABLE ballast ADD PRIMARY KEY (g)"',
    );
    await dbExec(stack, 'pg_dump -U orthanc orthanc | gzip -1 > /mnt/backup/big.sql.gz');
    const atDump = await orthancStatistics(stack.orthancUrl);
    const idsAtDump = await instanceIds(stack.orthancUrl);
    const marker = path.join(stack.env.OVENA_STATE_DIR ?? '', 'restore-in-progress.json');

    const running = startOvena(
      ['--file=big.sql', 'restore', '--yes', '--no-safety-dump'],
      stack.env,
    );
    await waitFor(
      async () => /"load": "fast"/.test(await readFile(marker, 'utf8').catch(() => '')),
      180_000,
      'the fast load step',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; output so far:\n${running.output()}`);
    });
    running.child.kill('SIGKILL');
    await running.done;
    const pid = String(running.child.pid);
    const left = (await loadServers(stack)).find((line) => line.endsWith(` ${pid}`));
    assert.ok(left, 'the killed run left its one-off server');
    // ...stopped: its watchdog saw ovena end, so no second postmaster can meet it on the volume.
    const serverId = left.split(' ')[0] ?? '';
    await waitFor(
      async () =>
        (await docker(['inspect', '-f', '{{.State.Running}}', serverId])).trim() === 'false',
      30_000,
      "the killed run's one-off server to stop",
    );

    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 75, start.stdout + start.stderr);
    assert.match(start.stdout + start.stderr, /a fast load with durability off was interrupted/);

    const began = Date.now();
    const again = await ovena(['--file=big.sql.gz', 'restore', '--yes', '--start'], {
      env: stack.env,
    });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /removed what an interrupted restore left: container/);
    // The index builds start beside the load, from the preflight scan's items.
    assert.match(
      again.stdout,
      /done\s+Load big\.sql\.gz: schema, then each table's data .*beside the load\)/,
    );
    assert.match(
      again.stdout,
      /done\s+Build indexes and constraints in parallel .*built and \d+ tables analyzed in .* since the load began/,
    );
    assert.match(again.stdout, /done\s+Analyze.*tables analyzed with the index builds/);
    assert.match(
      again.stdout,
      /done\s+Back to durable.*: fsync=on, full_page_writes=on, wal_level=replica/,
    );
    assert.ok(!(await loadServers(stack)).some((line) => line.endsWith(` ${pid}`)));
    assert.deepEqual(await loadServers(stack), [], 'no one-off server left');

    // The db service itself serves the data, durable, started after the load.
    const settings = await dbExec(
      stack,
      `psql -X -A -t -U orthanc orthanc -c "SELECT current_setting('fsync') || ' ' || current_setting('full_page_writes') || ' ' || current_setting('wal_level') || ' ' || (extract(epoch FROM pg_postmaster_start_time()) * 1000)::bigint || ' ' || (SELECT count(*) FROM ballast) || ' ' || (SELECT count(*) FROM pg_indexes WHERE tablename = 'ballast')"`,
    );
    const [fsync, fpw, walLevel, startedMs, rows, indexes] = settings.trim().split(' ');
    assert.deepEqual([fsync, fpw, walLevel], ['on', 'on', 'replica']);
    assert.ok(Number(startedMs) > began, 'the database was restarted after the load');
    assert.equal(rows, '1000000');
    assert.equal(indexes, '2');
    // ballast was emptied in its load's own transaction (a new file: its COPY wrote no WAL), and
    // analyzed by the build sessions.
    const loaded = await dbExec(
      stack,
      `psql -X -A -t -U orthanc orthanc -c "SELECT (relfilenode <> oid) || ' ' || (SELECT count(*) > 0 FROM pg_stats WHERE tablename = 'ballast') FROM pg_class WHERE relname = 'ballast'"`,
    );
    assert.equal(loaded.trim(), 'true true');
    // Its rows were written frozen (COPY FREEZE): every page all-frozen in the visibility map,
    // which no vacuum does to rows this young.
    const frozen = await dbExec(
      stack,
      `psql -X -A -t -q -U orthanc orthanc -c "CREATE EXTENSION IF NOT EXISTS pg_visibility" -c "SELECT all_frozen || ' ' || (SELECT relpages FROM pg_class WHERE relname = 'ballast') FROM pg_visibility_map_summary('ballast')" -c "DROP EXTENSION pg_visibility"`,
    );
    const [allFrozen, pages] = frozen.trim().split(' ').map(Number);
    assert.ok((pages ?? 0) > 0 && allFrozen === pages, `all-frozen pages: ${frozen.trim()}`);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, atDump.CountInstances);
    const ids = await instanceIds(stack.orthancUrl);
    assert.deepEqual([...ids].sort(), [...idsAtDump].sort());
    for (const id of ids) {
      const file = await fetch(`${stack.orthancUrl}/instances/${id}/file`);
      assert.equal(file.status, 200, `instance ${id} file`);
      assert.ok((await file.arrayBuffer()).byteLength > 100);
    }
  });

  it('a dump with an SQL error in its post-data section fails loudly, naming the statement', async () => {
    const result = await ovena(['--file=broken-post.sql', 'restore', '--yes', '--no-safety-dump'], {
      env: stack.env,
    });
    assert.equal(result.code, 65, result.stdout + result.stderr);
    const text = result.stdout + result.stderr;
    assert.match(
      text,
      /the post-data item INDEX resources broken_idx \(CREATE INDEX broken_idx ON public\.resources USING btree \(nosuchcolumn\);\) failed: column "nosuchcolumn" does not exist/,
    );
    // The item may fail while the last tables still load, or after: either step says so.
    assert.match(text, /FAILED\s+(Build indexes and constraints|Load broken-post\.sql)/);
    // The one-off server is gone, and nothing starts Orthanc on this half-built database.
    assert.deepEqual(await loadServers(stack), []);
    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 75, start.stdout + start.stderr);
  });

  it('a dump that loads a partitioned table through its root restores (no COPY FREEZE there)', async () => {
    const result = await ovena(['--file=parted.sql', 'restore', '--yes', '--no-safety-dump'], {
      env: stack.env,
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const counts = await dbExec(
      stack,
      `psql -X -A -t -U orthanc orthanc -c "SELECT (SELECT count(*) FROM parted) || ' ' || (SELECT count(*) FROM parted_1) || ' ' || (SELECT count(*) FROM parted_2)"`,
    );
    assert.equal(counts.trim(), '1000 500 500');
  });
});
