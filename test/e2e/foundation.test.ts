import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { Compose } from '../../source/compose/compose.ts';
import { modelFromConfig } from '../../source/compose/model.ts';
import {
  composeArgv,
  composeCommand,
  createInstance,
  orthancStatistics,
  ovena,
  repoRoot,
  type Stack,
  startOvena,
  startStack,
  testFlavor,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const template = path.join(repoRoot, 'docker/docker-compose.yml');

describe('foundation on the real stack', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('e2e-foundation', 55500);
  });

  after(async () => {
    await stack?.down();
  });

  it('reports a healthy stack, as text and as JSON', async () => {
    const text = await ovena(['status'], { env: stack.env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^db\s+running\s+healthy/m);
    assert.match(text.stdout, /^orthanc\s+running/m);
    assert.match(text.stdout, /Orthanc\s+1\.\d+\.\d+ at http:\/\/127\.0\.0\.1:\d+: 0 patients/);

    const json = await ovena(['status', '--json'], { env: stack.env });
    assert.equal(json.code, 0, json.stderr);
    const status = JSON.parse(json.stdout) as {
      healthy: boolean;
      services: Array<{ service: string; state: string }>;
      orthanc: { reachable: boolean };
    };
    assert.equal(status.healthy, true);
    assert.deepEqual(
      status.services.map((service) => [service.service, service.state]),
      [
        ['db', 'running'],
        ['orthanc', 'running'],
      ],
    );
    assert.equal(status.orthanc.reachable, true);
  });

  it("accepts the original script's option order", async () => {
    const result = await ovena(['--file=x.sql', 'status'], { env: stack.env });
    assert.equal(result.code, 0, result.stderr);
  });

  it('keeps instances across stop and start', async () => {
    for (const patient of ['P1', 'P2', 'P3']) await createInstance(stack.orthancUrl, patient);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 3);

    const stop = await ovena(['stop'], { env: stack.env });
    assert.equal(stop.code, 0, stop.stderr + stop.stdout);
    assert.match(stop.stdout, /done\s+Stop Orthanc/);
    assert.match(stop.stdout, /done\s+Stop the database/);
    assert.ok(!stop.stdout.includes('\u001B['), 'plain lines off a terminal');

    const stopped = await ovena(['status'], { env: stack.env });
    assert.equal(stopped.code, 3);
    assert.match(stopped.stdout, /DOWN\s+db \(exited\), orthanc \(exited\)/);

    const start = await ovena(['start'], { env: stack.env });
    assert.equal(start.code, 0, start.stderr + start.stdout);
    assert.match(
      start.stdout,
      /done\s+Wait until Orthanc answers .*: Orthanc 1\.\d+\.\d+, 3 instances in 3 studies/,
    );
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 3);
  });

  it('stops safely on SIGINT and names the interrupted step and the state', async () => {
    assert.equal((await ovena(['stop'], { env: stack.env })).code, 0);
    const running = startOvena(['start'], stack.env);
    await waitFor(
      () => /start\s+Wait until the database is healthy/.test(running.output()),
      60_000,
      'the health wait',
    );
    running.child.kill('SIGINT');
    const result = await running.done;
    assert.equal(result.code, 130, result.stdout + result.stderr);
    assert.match(result.stdout, /STOPPED Wait until the database is healthy/);
    assert.match(result.stdout, /INTERRUPTED during "Wait until the database is healthy"/);
    assert.match(result.stdout, /state: some services may be running; "ovena status" shows which/);
    const again = await ovena(['start'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it('turns a failed command in a container into one line, keeping its exit code', async () => {
    const compose = await Compose.open({
      files: (stack.env.OVENA_COMPOSE_FILE ?? '').split(':'),
      env: stack.env,
    });
    const failure = await compose
      .execCapture('db', ['sh', '-c', 'secret_script_text=1; echo "no such table" >&2; exit 3'])
      .then(
        () => undefined,
        (error: unknown) => error as Error & { exitCode?: number },
      );
    assert.equal(failure?.message, 'sh failed in the db container: no such table');
    assert.equal(failure?.exitCode, 3);
  });

  it('says which service is down when the db container is stopped', async () => {
    await composeCommand(stack, ['stop', 'db']);
    try {
      const result = await ovena(['status'], { env: stack.env });
      assert.equal(result.code, 3);
      assert.match(result.stdout, /^db\s+exited/m);
      assert.match(result.stdout, /DOWN\s+db \(exited\)/);
      const json = JSON.parse((await ovena(['status', '--json'], { env: stack.env })).stdout) as {
        healthy: boolean;
      };
      assert.equal(json.healthy, false);
    } finally {
      const start = await ovena(['start'], { env: stack.env });
      assert.equal(start.code, 0, start.stderr + start.stdout);
    }
  });
});

describe('production template', () => {
  it("passes compose's own validator and holds CIFS shares, a local db volume and the pg_isready healthcheck", async () => {
    const [file, argv] = composeArgv(
      { OVENA_COMPOSE_FILE: template, OVENA_COMPOSE_FLAVOR: testFlavor() ?? 'v1' },
      ['config'],
    );
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const model = modelFromConfig(parse(result.stdout));
    assert.equal(model.volumes.images?.driverOpts.type, 'cifs');
    assert.equal(model.volumes.backup?.driverOpts.type, 'cifs');
    assert.deepEqual(model.volumes['db-data']?.driverOpts, {});
    assert.ok(
      model.services.db?.volumes.some(
        (volume) => volume.source === 'backup' && volume.target === '/mnt/backup',
      ),
    );
    assert.ok(model.services.orthanc?.volumes.some((volume) => volume.source === 'images'));
    assert.match(result.stdout, /pg_isready -h 127\.0\.0\.1/);
    assert.match(result.stdout, /condition: service_healthy/);
  });
});

describe('compose file errors', () => {
  let folder: string;
  /** The template as an operator installs it: 0600 (a clone's copy is 0644, and ovena warns). */
  let installed: string;
  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-compose-'));
    installed = path.join(folder, 'installed.yml');
    await copyFile(template, installed);
    await chmod(installed, 0o600);
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('names a missing compose file, exit 66', async () => {
    const missing = path.join(folder, 'nope.yml');
    const result = await ovena(['status'], {
      env: { ...process.env, OVENA_COMPOSE_FILE: missing },
    });
    assert.equal(result.code, 66);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, new RegExp(`compose file ${missing} does not exist`));
  });

  it('quotes the validator on a broken compose file, exit 78, without leaking its password', async () => {
    const broken = path.join(folder, 'docker-compose.yml');
    await writeFile(
      broken,
      'services:\n  db:\n    image: postgres:15\n    environment:\n      POSTGRES_PASSWORD: Sup3rS3cret\n    ports: "not a list"\n  orthanc:\n    image: x\n',
    );
    await chmod(broken, 0o600);
    const result = await ovena(['status'], { env: { ...process.env, OVENA_COMPOSE_FILE: broken } });
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /compose file is invalid: .*ports/);
    assert.ok(!(result.stderr + result.stdout).includes('Sup3rS3cret'));
  });

  it('says docker is not installed, exit 72', async () => {
    // A PATH holding node alone: no docker, no docker-compose.
    const bin = path.join(folder, 'bin');
    await mkdir(bin);
    await symlink(process.execPath, path.join(bin, 'node'));
    const result = await ovena(['status'], {
      env: { ...process.env, PATH: bin, OVENA_COMPOSE_FILE: installed },
    });
    assert.equal(result.code, 72, result.stderr);
    assert.match(result.stderr, /^ovena: docker is not installed: install Docker Engine/);
  });

  it('says the daemon is not reachable, exit 69', async () => {
    const socket = `unix://${path.join(folder, 'no-daemon.sock')}`;
    const result = await ovena(['status'], {
      env: { ...process.env, DOCKER_HOST: socket, OVENA_COMPOSE_FILE: installed },
    });
    assert.equal(result.code, 69, result.stderr);
    assert.match(result.stderr, /^ovena: the Docker daemon is not reachable .*: start it/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('names a missing service, exit 67', async () => {
    const file = path.join(folder, 'no-orthanc.yml');
    await writeFile(file, 'services:\n  db:\n    image: postgres:15\n');
    const result = await ovena(['status'], { env: { ...process.env, OVENA_COMPOSE_FILE: file } });
    assert.equal(result.code, 67, result.stderr);
    assert.match(
      result.stderr,
      /service "orthanc" is not defined in the compose file \(services: db\)/,
    );
  });
});
