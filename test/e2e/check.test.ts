import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastBackupFile } from '../../source/backup/last-backup.ts';
import { composeCommand, ovena, type Stack, startStack } from '../helpers/stack.ts';

const hour = 3_600_000;

describe('ovena check and ovena (no command) on the real stack', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('hm-check', 59000);
  });

  after(async () => {
    await stack?.down();
  });

  async function writeRecord(ageMs: number, result: 'ok' | 'failed', error?: string) {
    const record = {
      at: new Date(Date.now() - ageMs).toISOString(),
      file: 'ovena-db-backup.sql.gz',
      sizeBytes: 48_213,
      durationMs: 2100,
      result,
      ...(error ? { error } : {}),
    };
    await writeFile(
      path.join(stack.env.OVENA_STATE_DIR ?? '', lastBackupFile),
      JSON.stringify(record),
    );
  }

  it('no backup recorded yet: warning, exit 1', async () => {
    const result = await ovena(['check'], { env: stack.env });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, 'WARNING: no backup recorded yet\n');
  });

  it('healthy with a fresh backup: OK, exit 0, and the JSON shape', async () => {
    await writeRecord(10 * 60_000, 'ok');
    const result = await ovena(['check'], { env: stack.env });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(
      result.stdout,
      /^OK: services up, last backup 10m old \(ovena-db-backup\.sql\.gz, 48\.2 kB\)\n$/,
    );

    const json = await ovena(['check', '--json'], { env: stack.env });
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), [
      'exitCode',
      'lastBackup',
      'lastDrill',
      'lastImagesCheck',
      'level',
      'maxAgeMs',
      'reasons',
      'services',
    ]);
    assert.equal(parsed.level, 'ok');
    assert.equal(parsed.maxAgeMs, 25 * hour);
    assert.deepEqual(parsed.services, [
      { name: 'db', state: 'running', health: 'healthy', up: true },
      { name: 'orthanc', state: 'running', health: null, up: true },
    ]);
  });

  it('backup record too old: critical, exit 2; --max-age and the settings file move the line', async () => {
    await writeRecord(30 * hour, 'ok');
    const old = await ovena(['check'], { env: stack.env });
    assert.equal(old.code, 2);
    assert.equal(
      old.stdout,
      'CRITICAL: last backup is 30h 0m old, older than the max age 25h00m\n',
    );
    const wider = await ovena(['check', '--max-age', '2d'], { env: stack.env });
    assert.equal(wider.code, 0, wider.stdout);

    await writeRecord(3 * hour, 'ok');
    assert.equal((await ovena(['check'], { env: stack.env })).code, 0);
    await writeFile(path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml'), 'maxBackupAge: 2h\n');
    try {
      const strict = await ovena(['check'], { env: stack.env });
      assert.equal(strict.code, 2, strict.stdout);
      assert.match(strict.stdout, /older than the max age 2h00m/);
      const bad = await ovena(['check', '--max-age', 'soon'], { env: stack.env });
      assert.equal(bad.code, 64);
      assert.match(bad.stderr, /--max-age "soon" is not a duration/);
    } finally {
      await writeFile(path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml'), '');
    }
  });

  it('last backup failed: critical, exit 2, with its error', async () => {
    await writeRecord(hour, 'failed', 'pg_dump: error: connection to server failed');
    const result = await ovena(['check'], { env: stack.env });
    assert.equal(result.code, 2);
    assert.equal(
      result.stdout,
      'CRITICAL: last backup failed 1h 0m ago: pg_dump: error: connection to server failed\n',
    );
  });

  it('ovena alone off a terminal prints the status and the usage, exit 0', async () => {
    const result = await ovena([], { env: stack.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^db\s+running\s+healthy/m);
    assert.match(result.stdout, /Usage: ovena \[options\] <command>/);
    assert.match(result.stdout, /^ {2}check\s+one line for monitoring/m);
    assert.ok(!result.stdout.includes('\u001B['), 'no cursor codes off a terminal');
  });

  it('db stopped: check is critical naming it (exit 2), ovena alone exits 3', async () => {
    await writeRecord(10 * 60_000, 'ok');
    await composeCommand(stack, ['stop', 'db']);
    try {
      const check = await ovena(['check'], { env: stack.env });
      assert.equal(check.code, 2);
      assert.match(check.stdout, /^CRITICAL: db is exited/);
      assert.equal(check.stdout.trim().split('\n').length, 1, 'one line');

      const home = await ovena([], { env: stack.env });
      assert.equal(home.code, 3);
      assert.match(home.stdout, /DOWN\s+db \(exited\)/);
      assert.match(home.stdout, /Usage: ovena/);
    } finally {
      const start = await ovena(['start'], { env: stack.env });
      assert.equal(start.code, 0, start.stderr + start.stdout);
    }
  });

  it('a missing compose file is one critical line for the monitor, exit 2', async () => {
    const result = await ovena(['check'], {
      env: { ...stack.env, OVENA_COMPOSE_FILE: '/nonexistent/docker-compose.yml' },
    });
    assert.equal(result.code, 2);
    assert.match(
      result.stdout,
      /^CRITICAL: compose file \/nonexistent\/docker-compose\.yml does not exist/,
    );
  });
});
