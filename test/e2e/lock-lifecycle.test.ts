import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  composeCommand,
  createInstance,
  docker,
  ovena,
  type Stack,
  startOvena,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const signals = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function serviceState(stack: Stack, service: string): Promise<string> {
  const id = (await composeCommand(stack, ['ps', '-q', service])).trim();
  if (!id) return 'missing';
  return (await docker(['inspect', '-f', '{{.State.Status}}', id])).trim();
}

describe('the host lock and the signals on the real stack', () => {
  let stack: Stack;
  let stateDir: string;
  let server: Server;
  let port = 0;
  const received: IncomingMessage[] = [];

  before(async () => {
    stack = await startStack('lk-1', 61000);
    stateDir = stack.env.OVENA_STATE_DIR ?? '';
    await createInstance(stack.orthancUrl, 'LOCK-1');
    // A monitoring service that takes the request and never answers: the backup waits in its
    // webhook phase (up to its 5 s timeout).
    server = createServer((request) => {
      received.push(request);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const request of received) request.socket.destroy();
    server?.close();
    await rm(path.join(stateDir, 'ovena.yml'), { force: true });
    await stack?.down();
  });

  it('refuses a restore over an external database volume before anything stops', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-external-'));
    try {
      const override = path.join(folder, 'external.yml');
      await writeFile(
        override,
        `volumes:\n  db-data:\n    external: true\n    name: ovena-rig-${stack.name}_db-data\n`,
        { mode: 0o600 },
      );
      const env = {
        ...stack.env,
        OVENA_COMPOSE_FILE: `${stack.env.OVENA_COMPOSE_FILE}:${override}`,
      };
      const result = await ovena(['--file=nothing-needed.sql.gz', 'restore', '--yes'], { env });
      const output = result.stdout + result.stderr;
      assert.equal(result.code, 78, output);
      assert.match(output, /database volume "db-data" is declared external: true/);
      assert.equal(output.trim().split('\n').length, 1, output);
      assert.equal(await serviceState(stack, 'db'), 'running');
      assert.equal(await serviceState(stack, 'orthanc'), 'running');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('SIGINT, SIGTERM and SIGHUP in a backup’s webhook phase: 130, 143, 129, nothing left', async () => {
    await writeFile(
      path.join(stateDir, 'ovena.yml'),
      `webhooks:\n  success: http://127.0.0.1:${port}/ok\n`,
    );
    for (const [signal, code] of signals) {
      const before = received.length;
      const run = startOvena(['--file=lk-hook.sql', 'backup'], stack.env);
      await waitFor(() => received.length > before, 60_000, 'the success webhook request');
      run.child.kill(signal);
      const result = await run.done;
      const output = result.stdout + result.stderr;
      assert.equal(result.code, code, `${signal}: ${output}`);
      assert.match(output, new RegExp(`interrupted \\(${signal}\\) while reporting the result`));
      assert.equal(alive(run.child.pid), false);
      const names = await readdir(stack.backupDir);
      assert.ok(names.includes('lk-hook.sql.gz'), names.join(' '));
      assert.deepEqual(
        names.filter((name) => name.startsWith('.')),
        [],
        'no temporary file left',
      );
      assert.deepEqual(await readdir(path.join(stateDir, 'locks')), [], 'the lock was released');
    }
    await rm(path.join(stateDir, 'ovena.yml'), { force: true });
  });

  it('a broken webhooks section warns once in a backup, which goes on; check reports it CRITICAL', async () => {
    const settings = path.join(stateDir, 'ovena.yml');
    await writeFile(settings, 'webhooks:\n  start: ftp://x\nmaxBackupAge: 26h\n');
    try {
      const backup = await ovena(['--file=lk-hook.sql', 'backup'], { env: stack.env });
      assert.equal(backup.code, 0, backup.stdout + backup.stderr);
      const warnings = backup.stdout.split('\n').filter((line) => line.includes('warning'));
      assert.equal(warnings.length, 1, backup.stdout);
      assert.match(
        warnings[0] ?? '',
        /settings file .*ovena\.yml: webhooks\.start must be an http:\/\/ or https:\/\/ URL; backing up without webhooks$/,
      );
      const check = await ovena(['check'], { env: stack.env });
      assert.equal(check.code, 2, check.stdout + check.stderr);
      assert.match(check.stdout, /^CRITICAL: .*webhooks\.start/);
    } finally {
      await rm(settings, { force: true });
    }
  });

  it('start and stop exit 75 naming a running restore, and the restore completes', async () => {
    // A database big enough for a restore that takes several seconds.
    const id = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
    await docker([
      'exec',
      id,
      'psql',
      '-U',
      'orthanc',
      'orthanc',
      '-qc',
      'create table filler as select g, md5(g::text) as h from generate_series(1, 800000) g',
    ]);
    const backup = await ovena(['--file=lk-big.sql', 'backup'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);

    const restore = startOvena(
      ['--file=lk-big.sql.gz', 'restore', '--yes', '--no-safety-dump'],
      stack.env,
    );
    await waitFor(
      async () =>
        (await readdir(path.join(stateDir, 'locks')).catch(() => [] as string[])).some((name) =>
          name.startsWith('restore.'),
        ),
      60_000,
      'the restore’s lock',
    );
    const expected = new RegExp(
      `a restore of lk-big\\.sql\\.gz is running, pid ${restore.child.pid}, since \\d\\d:\\d\\d`,
    );
    for (const command of ['start', 'stop']) {
      const refused = await ovena([command], { env: stack.env });
      const output = refused.stdout + refused.stderr;
      assert.equal(refused.code, 75, `${command}: ${output}`);
      assert.match(output, expected);
      assert.doesNotMatch(output, /did not finish/);
    }
    assert.equal(alive(restore.child.pid), true, 'the refusals came while the restore ran');
    const result = await restore.done;
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 0, output);
    assert.match(output, /database restored from lk-big\.sql\.gz/);
    assert.notEqual(await serviceState(stack, 'orthanc'), 'running', 'start never ran');
    const count = await docker([
      'exec',
      (await composeCommand(stack, ['ps', '-q', 'db'])).trim(),
      'psql',
      '-U',
      'orthanc',
      'orthanc',
      '-tAc',
      'select count(*) from filler',
    ]);
    assert.equal(count.trim(), '800000');
  });
});
