import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  composeCommand,
  createInstance,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { dbShell, temporaryFiles } from './backup-helpers.ts';

const rowCountsSql = `select table_schema || '.' || table_name || '=' || (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE' order by 1`;

async function rowCounts(stack: Stack, database: string): Promise<string[]> {
  const text = await dbShell(
    stack,
    'psql -X -At -U orthanc -d "$1" -c "$2"',
    database,
    rowCountsSql,
  );
  return text.split('\n').filter(Boolean);
}

function parseCounts(lines: string[]): Map<string, number> {
  return new Map(
    lines.map((line) => {
      const [table = '', count = ''] = line.split('=');
      return [table, Number(count)];
    }),
  );
}

const badNames = [
  '../x.sql',
  '/tmp/x.sql',
  'x.txt',
  '$(touch /tmp/pwned).sql',
  'a;b.sql',
  '`id`.sql',
  '',
  '.sql',
  '.hidden.sql',
  '-rf.sql',
  'a b.sql',
  'x.sql.gz',
  'x.SQL',
  'x',
  'dir/x.sql',
  '..',
  'x..sql',
  'a|b.sql',
  'a&b.sql',
  "a'b.sql",
  'a"b.sql',
  'a\nb.sql',
  'x.sql ',
  'tab\t.sql',
  'é.sql',
  `${'a'.repeat(197)}.sql`,
  'a*.sql',
  'a>b.sql',
];

describe('ovena backup on the real stack', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('bk-main', 56000);
    for (const patient of ['P1', 'P2', 'P3', 'P4']) await createInstance(stack.orthancUrl, patient);
  });

  after(async () => {
    await stack?.down();
  });

  it('dumps the running archive to the default name; the file loads with gunzip | psql', async () => {
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 4);
    // Orthanc keeps running and may write (e.g. its jobs registry) while the dump runs: the copy's
    // count of each table lies between the source's counts just before and just after the dump.
    const sourceBefore = await rowCounts(stack, 'orthanc');
    const result = await ovena(['backup'], { env: stack.env });
    const sourceAfter = await rowCounts(stack, 'orthanc');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(!result.stdout.includes('\u001B['), 'plain lines off a terminal');
    assert.match(
      result.stdout,
      /OK .*: \/mnt\/backup\/ovena-db-backup\.sql\.gz, \d+(\.\d)? [kM]?B in [\d.]+s \([\d.]+ [kM]?B\/s\)/,
    );
    const file = path.join(stack.backupDir, 'ovena-db-backup.sql.gz');
    assert.ok(existsSync(file));
    assert.deepEqual(await temporaryFiles(stack.backupDir), []);

    await dbShell(stack, 'gzip -t /mnt/backup/ovena-db-backup.sql.gz');
    await dbShell(
      stack,
      'createdb -U orthanc scratch && gunzip -c /mnt/backup/ovena-db-backup.sql.gz | psql -X -q -v ON_ERROR_STOP=1 -U orthanc -d scratch >/dev/null',
    );
    const copy = parseCounts(await rowCounts(stack, 'scratch'));
    const before = parseCounts(sourceBefore);
    const after = parseCounts(sourceAfter);
    assert.equal(copy.get('public.resources'), 16); // 4 x patient, study, series, instance
    assert.deepEqual([...copy.keys()], [...after.keys()], 'same tables');
    assert.ok(copy.size >= 10);
    for (const [table, count] of copy) {
      const low = Math.min(before.get(table) ?? 0, after.get(table) ?? 0);
      const high = Math.max(before.get(table) ?? 0, after.get(table) ?? 0);
      assert.ok(count >= low && count <= high, `${table}: ${count} rows, source ${low}..${high}`);
    }
    await dbShell(stack, 'dropdb -U orthanc scratch');
  });

  it('records the run for ovena status, text and JSON', async () => {
    const text = await ovena(['status'], { env: stack.env });
    assert.match(text.stdout, /^Backup\s+\d+s ago: \/mnt\/backup\/ovena-db-backup\.sql\.gz, /m);
    const json = JSON.parse((await ovena(['status', '--json'], { env: stack.env })).stdout) as {
      lastBackup: { result: string; file: string; sizeBytes: number; durationMs: number };
    };
    assert.equal(json.lastBackup.result, 'ok');
    assert.equal(json.lastBackup.file, '/mnt/backup/ovena-db-backup.sql.gz');
    const size = (await readFile(path.join(stack.backupDir, 'ovena-db-backup.sql.gz'))).length;
    assert.equal(json.lastBackup.sizeBytes, size);
    assert.ok(json.lastBackup.durationMs > 0);
  });

  it('takes a custom name, given before or after the command', async () => {
    for (const args of [
      ['--file=custom-1.sql', 'backup'],
      ['backup', '--file=custom_2.sql'],
    ]) {
      const result = await ovena(args, { env: stack.env });
      assert.equal(result.code, 0, result.stdout + result.stderr);
    }
    const names = (await readdir(stack.backupDir)).sort();
    assert.deepEqual(names, ['custom-1.sql.gz', 'custom_2.sql.gz', 'ovena-db-backup.sql.gz']);
  });

  it(`refuses ${badNames.length} bad names with exit 64, writing nothing`, async () => {
    assert.ok(badNames.length >= 20);
    const before = (await readdir(stack.backupDir)).sort();
    const record = await readFile(path.join(stack.env.OVENA_STATE_DIR ?? '', 'last-backup.json'));
    const history = await readFile(path.join(stack.env.OVENA_STATE_DIR ?? '', 'history.jsonl'));
    for (const name of badNames) {
      const result = await ovena([`--file=${name}`, 'backup'], { env: stack.env });
      assert.equal(result.code, 64, `${JSON.stringify(name)}: ${result.stderr}`);
      assert.match(result.stderr, /a dump name is a bare file name/, JSON.stringify(name));
      assert.equal(result.stdout, '', JSON.stringify(name));
    }
    assert.equal(existsSync('/tmp/pwned'), false);
    assert.deepEqual((await readdir(stack.backupDir)).sort(), before);
    assert.deepEqual(
      await readFile(path.join(stack.env.OVENA_STATE_DIR ?? '', 'last-backup.json')),
      record,
    );
    // The earlier backups made the locks folder (lock/host-lock.ts), which must hold no holder, and
    // the run history; the refused names added nothing.
    const stateDir = stack.env.OVENA_STATE_DIR ?? '';
    assert.deepEqual((await readdir(stateDir)).filter((name) => name !== 'locks').sort(), [
      'history.jsonl',
      'last-backup.json',
    ]);
    assert.deepEqual(await readFile(path.join(stateDir, 'history.jsonl')), history);
    assert.deepEqual(
      await readdir(path.join(stateDir, 'locks')).catch(() => []),
      [],
      'no lock left',
    );
  });

  it('refuses a share that is not a mount point', async () => {
    // A compose file whose db service binds nothing at /mnt/backup (the entrypoint still creates the folder).
    const files = (stack.env.OVENA_COMPOSE_FILE ?? '').split(':');
    const base = files[0] ?? '';
    const unmounted = path.join(path.dirname(base), 'docker-compose.unmounted.yml');
    const text = await readFile(base, 'utf8');
    assert.match(text, /- backup:\/mnt\/backup\n/);
    await writeFile(unmounted, text.replace(/ *- backup:\/mnt\/backup\n/, ''), { mode: 0o600 });
    const env = { ...stack.env, OVENA_COMPOSE_FILE: [unmounted, ...files.slice(1)].join(':') };
    const unmountedStack = { ...stack, env };
    await composeCommand(unmountedStack, ['up', '-d', '--no-deps', 'db']);
    try {
      await dbShell(unmountedStack, 'test -d /mnt/backup && ! mountpoint -q /mnt/backup');
      const before = (await readdir(stack.backupDir)).sort();
      const result = await ovena(['backup'], { env });
      assert.equal(result.code, 69, result.stdout + result.stderr);
      assert.match(result.stdout, /\/mnt\/backup in the db container is not a mount point/);
      assert.deepEqual((await readdir(stack.backupDir)).sort(), before);
      await dbShell(unmountedStack, 'test -z "$(ls -A /mnt/backup)"');
      const json = JSON.parse((await ovena(['status', '--json'], { env })).stdout) as {
        lastBackup: { result: string; error: string; lastSuccess?: { file: string } };
      };
      assert.equal(json.lastBackup.result, 'failed');
      assert.match(json.lastBackup.error, /not a mount point/);
      assert.ok(json.lastBackup.lastSuccess, 'the last good backup stays visible');
    } finally {
      await composeCommand(stack, ['up', '-d', '--no-deps', 'db']);
    }
  });
});
