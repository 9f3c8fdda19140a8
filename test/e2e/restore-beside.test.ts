import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { markerPath } from '../../source/lock/restore-marker.ts';
import {
  composeCommand,
  createInstance,
  docker,
  orthancStatistics,
  ovena,
  type Stack,
  startOvena,
  startStack,
} from '../helpers/stack.ts';

/*
 * Issue 18 on the real stack: `restore --beside` loads next to the live database while Orthanc
 * serves, switches by renames, keeps the previous database; crashes at each point are finished
 * or undone. One stack for all cases (they run in order and build on each other's state).
 */

const dump = 'ovena-db-backup.sql.gz';

/** One SQL query in the stack's db container (psql as the stack's user), unaligned rows. */
async function sql(stack: Stack, query: string, database = 'postgres'): Promise<string[]> {
  const out = await composeCommand(stack, [
    'exec',
    '-T',
    'db',
    'sh',
    '-c',
    'psql -X -A -t -U "$POSTGRES_USER" -d "$1" -c "$0"',
    query,
    database,
  ]);
  return out.split('\n').filter((line) => line.trim() !== '');
}

async function databases(stack: Stack, pattern: string): Promise<string[]> {
  return sql(
    stack,
    `SELECT datname FROM pg_database WHERE datname LIKE '${pattern}' ORDER BY datname`,
  );
}

async function instances(stack: Stack, database: string): Promise<number> {
  const [count = '-1'] = await sql(
    stack,
    'SELECT count(*) FROM resources WHERE resourcetype = 3',
    database,
  );
  return Number(count);
}

async function orthancStartedAt(stack: Stack): Promise<string> {
  const id = (await composeCommand(stack, ['ps', '-q', 'orthanc'])).trim();
  return (await docker(['inspect', '-f', '{{.State.StartedAt}}', id])).trim();
}

async function instanceIds(url: string): Promise<string[]> {
  return ((await (await fetch(`${url}/instances`)).json()) as string[]).sort();
}

describe('restore --beside on the real stack', () => {
  let stack: Stack;
  let dumpFile: string;
  let goodDump: Buffer;
  const dumpInstances = 2;

  before(async () => {
    stack = await startStack('beside', 60000);
    dumpFile = path.join(stack.backupDir, dump);
    for (const patient of ['BS1', 'BS2']) await createInstance(stack.orthancUrl, patient);
    const backup = await ovena(['backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    goodDump = await readFile(dumpFile);
    for (const patient of ['BS3', 'BS4']) await createInstance(stack.orthancUrl, patient);
  });

  after(async () => {
    await stack?.down();
  });

  it('not enough disk is refused with the numbers before anything is created', async () => {
    const dbsBefore = await databases(stack, 'orthanc%');
    const started = await orthancStartedAt(stack);
    const result = await ovena([`--file=${dump}`, 'restore', '--beside', '--yes'], {
      env: { ...stack.env, OVENA_TEST_BESIDE_FREE_BYTES: '1000000' },
    });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 69, output);
    assert.match(
      output,
      /not enough disk for a beside restore: loading ovena-db-backup\.sql\.gz \(.+\) next to the live database needs about .+ in the database volume, which has 1(\.0)? MB free; nothing was created/,
    );
    assert.deepEqual(await databases(stack, 'orthanc%'), dbsBefore);
    assert.equal(await orthancStartedAt(stack), started, 'Orthanc was not restarted');
    assert.ok(!existsSync(markerPath(stack.env.OVENA_STATE_DIR ?? '')));
  });

  it('loads while Orthanc answers, switches in seconds, keeps the previous database', async () => {
    const previous = (await orthancStatistics(stack.orthancUrl)).CountInstances;
    assert.equal(previous, 4);
    const indexesSql = "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'";
    const [indexesBefore = '0'] = await sql(stack, indexesSql, 'orthanc');
    // The live database's own settings, one a list of names: the switched-in one gets the same.
    await sql(stack, 'ALTER DATABASE orthanc SET search_path = public, "$user"');
    await sql(stack, "ALTER DATABASE orthanc SET work_mem = '8MB'");
    const settingsSql =
      "SELECT unnest(s.setconfig) AS c FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = 'orthanc' ORDER BY c";
    const settingsBefore = await sql(stack, settingsSql);
    assert.deepEqual(settingsBefore, ['search_path=public, "$user"', 'work_mem=8MB']);
    const run = startOvena([`--file=${dump}`, 'restore', '--beside', '--yes'], stack.env);
    let switchSeenAt: number | undefined;
    const failures: number[] = [];
    let answered = 0;
    let finished = false;
    const poller = (async () => {
      while (!finished) {
        const at = Date.now();
        if (switchSeenAt === undefined && /start\s+Switch:/.test(run.output())) switchSeenAt = at;
        try {
          const response = await fetch(`${stack.orthancUrl}/system`, {
            signal: AbortSignal.timeout(2000),
          });
          if (response.ok) answered++;
          else failures.push(at);
          await response.arrayBuffer();
        } catch {
          failures.push(at);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const result = await run.done;
    finished = true;
    await poller;
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 0, output);
    assert.ok(answered > 0);
    assert.ok(switchSeenAt !== undefined, output);
    const early = failures.filter((at) => at < (switchSeenAt ?? 0));
    assert.deepEqual(early, [], 'Orthanc answered through the load (only the switch may fail)');
    const downtime = /downtime (\d+\.\d) s/.exec(output);
    assert.ok(downtime, output);
    assert.ok(Number(downtime[1]) < 15, `downtime ${downtime[1]} s`);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, dumpInstances);
    const kept = await databases(stack, 'orthanc_before_%');
    assert.equal(kept.length, 1, kept.join(', '));
    assert.equal(await instances(stack, kept[0] ?? ''), previous, 'the previous counts are kept');
    assert.deepEqual(await databases(stack, 'orthanc_restore_%'), []);
    // The shared loader: the schema, each table's data, the index phase (started beside the
    // load from the preflight scan's items, with each table's ANALYZE).
    assert.match(output, /done\s+Load .*schema, then each table's data.*beside the load\)/);
    const built =
      /done\s+Build indexes and constraints in parallel \([^)]*\): (\d+) indexes and constraints built and (\d+) tables analyzed .*\((\d+) sessions/.exec(
        output,
      );
    assert.ok(
      built && Number(built[1]) > 0 && Number(built[2]) > 0 && Number(built[3]) >= 1,
      output,
    );
    assert.match(output, /done\s+Analyze.*tables analyzed with the index builds/);
    const [indexesAfter = '-1'] = await sql(stack, indexesSql, 'orthanc');
    assert.ok(Number(indexesBefore) > 0);
    assert.equal(indexesAfter, indexesBefore, 'the switched-in database has every index');
    assert.equal((await sql(stack, indexesSql, kept[0]))[0], indexesBefore);
    assert.deepEqual(await sql(stack, settingsSql), settingsBefore);
  });

  it('restore --undo brings the previous counts back', async () => {
    const result = await ovena(['restore', '--undo', '--yes', '--json'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const document = JSON.parse(result.stdout) as { downtimeSeconds: number; before: string };
    assert.ok(document.downtimeSeconds < 15);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 4);
    assert.equal(await instances(stack, document.before), dumpInstances);
  });

  it('status lists the kept databases; dry runs show mode, disk, downtime and what from scratch destroys', async () => {
    // The undo above consumed the first one and kept the database it replaced.
    const kept = await databases(stack, 'orthanc_before_%');
    assert.equal(kept.length, 1, kept.join(', '));
    const status = await ovena(['status'], { env: stack.env });
    for (const name of kept)
      assert.match(
        status.stdout,
        new RegExp(`^Before\\s+${name}  [\\d.]+ [kM]B, [\\dhms ]+ old`, 'm'),
      );
    const json = JSON.parse((await ovena(['status', '--json'], { env: stack.env })).stdout) as {
      keptDatabases: Array<{ name: string; sizeBytes: number }>;
    };
    assert.deepEqual(json.keptDatabases.map((database) => database.name).sort(), kept);

    const beside = await ovena(['restore', '--dry-run', '--beside'], { env: stack.env });
    assert.equal(beside.code, 0, beside.stdout + beside.stderr);
    assert.match(
      beside.stdout,
      /^Mode\s+beside: load into orthanc_restore_<UTC> while Orthanc runs/m,
    );
    assert.match(
      beside.stdout,
      /^Disk\s+needs about [\d.]+ [GM]B in the database volume, [\d.]+ [GMT]B free$/m,
    );
    assert.match(beside.stdout, /^Downtime\s+about [\d.]+ ?s \(the switch measured here/m);
    assert.doesNotMatch(beside.stdout, /^Will destroy/m);

    const scratch = await ovena(['restore', '--dry-run'], { env: stack.env });
    assert.equal(scratch.code, 0, scratch.stdout + scratch.stderr);
    assert.match(scratch.stdout, /^Mode\s+from scratch/m);
    const gone =
      /^Also gone\s+(.*): kept by beside restores in the same volume; the safety dump covers only the live database$/m.exec(
        scratch.stdout,
      );
    assert.ok(gone, scratch.stdout);
    for (const name of kept) assert.ok(gone[1]?.includes(name), gone[1]);
  });

  it('a dump with a bad COPY row fails beside: live database and Orthanc untouched, nothing left', async () => {
    const lines = gunzipSync(goodDump).toString('utf8').split('\n');
    const copy = lines.findIndex((line) => line.startsWith('COPY public.resources '));
    assert.ok(copy > 0);
    lines[copy + 2] = `${lines[copy + 2]}\textra`;
    await writeFile(path.join(stack.backupDir, 'bad-copy.sql.gz'), gzipSync(lines.join('\n')));
    const ids = await instanceIds(stack.orthancUrl);
    const started = await orthancStartedAt(stack);
    const result = await ovena(['--file=bad-copy.sql', 'restore', '--beside', '--yes'], {
      env: stack.env,
    });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 65, output);
    assert.match(output, /COPY resources, data row 2\): extra data after last expected column/);
    assert.match(output, /the live database orthanc and Orthanc are untouched/);
    assert.deepEqual(await instanceIds(stack.orthancUrl), ids);
    assert.equal(await orthancStartedAt(stack), started, 'Orthanc never stopped');
    assert.deepEqual(await databases(stack, 'orthanc_restore_%'), []);
    assert.ok(!existsSync(markerPath(stack.env.OVENA_STATE_DIR ?? '')));
  });

  it('a failing index build fails beside: the half-loaded database is dropped, Orthanc untouched', async () => {
    const text = gunzipSync(goodDump).toString('utf8');
    const index = /^CREATE (UNIQUE )?INDEX \S+ ON public\.(\S+) USING btree \(/m.exec(text);
    assert.ok(index, 'the dump declares an index');
    const broken = text.replace(index[0], `${index[0]}no_such_column, `);
    await writeFile(path.join(stack.backupDir, 'bad-index.sql.gz'), gzipSync(broken));
    const ids = await instanceIds(stack.orthancUrl);
    const started = await orthancStartedAt(stack);
    const result = await ovena(['--file=bad-index.sql', 'restore', '--beside', '--yes'], {
      env: stack.env,
    });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 65, output);
    // The item builds as soon as its table is in: it may fail while later tables still load.
    assert.match(output, /FAILED\s+(Build indexes and constraints|Load bad-index\.sql\.gz)/);
    assert.match(output, /no_such_column/);
    assert.match(output, /the live database orthanc and Orthanc are untouched/);
    assert.deepEqual(await instanceIds(stack.orthancUrl), ids);
    assert.equal(await orthancStartedAt(stack), started, 'Orthanc never stopped');
    assert.deepEqual(await databases(stack, 'orthanc_restore_%'), []);
    assert.ok(!existsSync(markerPath(stack.env.OVENA_STATE_DIR ?? '')));
  });

  it('kill -9 during the load blocks nothing; the next run drops the leftover', async () => {
    const killed = await ovena([`--file=${dump}`, 'restore', '--beside', '--yes'], {
      env: { ...stack.env, OVENA_TEST_BESIDE_DIE_AT: 'load' },
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
    const [leftover] = await databases(stack, 'orthanc_restore_%');
    assert.ok(leftover, 'the half-loaded database is left by the kill');
    const backup = await ovena(['backup', '--file=after-kill.sql'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const next = await ovena(
      [`--file=${dump}`, 'restore', '--beside', '--yes', '--no-safety-dump'],
      {
        env: stack.env,
      },
    );
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.match(
      next.stdout,
      /^--no-safety-dump is ignored with --beside: no safety dump is made, the previous database is kept as <db>_before_<UTC> instead$/m,
    );
    assert.match(
      next.stdout,
      new RegExp(`Clean up after an earlier beside restore .*dropped ${leftover}`),
    );
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, dumpInstances);
    assert.deepEqual(await databases(stack, 'orthanc_restore_%'), []);
  });

  for (const point of ['stop-orthanc', 'block', 'terminate', 'rename', 'allow', 'start-orthanc']) {
    it(`kill -9 before the switch's "${point}": ovena start ends on a complete database`, async () => {
      await createInstance(stack.orthancUrl, `K-${point}`);
      const live = (await orthancStatistics(stack.orthancUrl)).CountInstances;
      assert.notEqual(live, dumpInstances);
      const killed = await ovena([`--file=${dump}`, 'restore', '--beside', '--yes'], {
        env: { ...stack.env, OVENA_TEST_BESIDE_DIE_AT: point },
      });
      assert.equal(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
      // The switch's own fix-up: `ovena start` (or, for one point, the next restore).
      const renamed = ['allow', 'start-orthanc'].includes(point);
      const fix =
        point === 'block'
          ? await ovena([`--file=${dump}`, 'restore', '--beside', '--yes'], { env: stack.env })
          : await ovena(['start'], { env: stack.env });
      assert.equal(fix.code, 0, fix.stdout + fix.stderr);
      const expected = renamed || point === 'block' ? dumpInstances : live;
      assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, expected);
      assert.equal(await instances(stack, 'orthanc'), expected);
      assert.deepEqual(await databases(stack, 'orthanc_restore_%'), []);
      assert.ok(!existsSync(markerPath(stack.env.OVENA_STATE_DIR ?? '')));
      const [allowed] = await sql(
        stack,
        "SELECT bool_and(datallowconn) FROM pg_database WHERE datname LIKE 'orthanc%'",
      );
      assert.equal(allowed, 't', 'connections are allowed again on every database');
    });
  }
  it('prune drops the <db>_before_* databases beyond retention.before, keeping the newest', async () => {
    const kept = await databases(stack, 'orthanc_before_%');
    assert.ok(kept.length >= 3, kept.join(', '));
    const configDir = stack.env.OVENA_CONFIG_DIR ?? '';
    await writeFile(
      path.join(configDir, 'ovena.yml'),
      'retention:\n  last: 5\n  before:\n    keep: 1\n',
    );
    const dry = await ovena(['prune', '--dry-run'], { env: stack.env });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(
      dry.stdout,
      /prune: database drop orthanc_before_\d{8}T\d{6}Z \(.*\): beyond the 1 newest/,
    );
    assert.deepEqual(await databases(stack, 'orthanc_before_%'), kept, 'a dry run drops nothing');
    const result = await ovena(['prune', '--force', '--json'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const document = JSON.parse(result.stdout) as {
      before: Array<{ name: string; action: string }>;
    };
    assert.deepEqual(
      document.before
        .filter((decision) => decision.action === 'keep')
        .map((decision) => decision.name),
      [kept.at(-1)],
    );
    assert.deepEqual(await databases(stack, 'orthanc_before_%'), [kept.at(-1)]);
  });
});
