import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseComposeText } from '../../source/cifs/compose-file.ts';
import { planDriverOptEdit } from '../../source/cifs/shares.ts';
import { replaceComposeFile } from '../../source/cifs/write-compose-file.ts';
import { Compose } from '../../source/compose/compose.ts';
import {
  composeCommand,
  createInstance,
  docker,
  type OvenaResult,
  orthancStatistics,
  ovena as runOvena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';

const password = 'E2e-Kn0wn,Pa$$word';

/**
 * Every ovena call here is bounded: compose v2 asks before recreating a volume whose options
 * changed, and a question nobody answers must fail the test, not hang it.
 */
async function ovena(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string },
): Promise<OvenaResult> {
  const result = await runOvena(args, { ...options, timeoutMs: 90_000 });
  assert.equal(result.signal, null, `ovena ${args.join(' ')} hung (killed after 90 s)`);
  return result;
}

/**
 * A token in the database volume's folder on the host: a recreated volume would start empty.
 * (`CreatedAt` is no identity: the local driver reports the folder's mtime, which PostgreSQL moves.)
 */
async function volumeIdentity(name: string, write?: string): Promise<string> {
  const mountpoint = (
    await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', name])
  ).trim();
  const file = path.join(mountpoint, 'ovena-test-volume-identity');
  if (write) await writeFile(file, write);
  return readFile(file, 'utf8');
}

describe('cifs on the real stack: edit, recreate the volume, secrecy', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  let extra: string;
  let folderA: string;
  let folderB: string;

  before(async () => {
    stack = await startStack('cf-apply', 58000);
    const root = path.dirname(stack.imagesDir);
    folderA = path.join(root, 'scratch-a');
    folderB = path.join(root, 'scratch-b');
    await mkdir(folderA, { recursive: true });
    await mkdir(folderB, { recursive: true });
    await writeFile(path.join(folderA, 'marker'), 'A\n');
    await writeFile(path.join(folderB, 'marker'), 'B\n');
    // An extra override: a local-driver volume whose data lives at its device (like a share).
    extra = path.join(root, 'docker-compose.scratch.yml');
    await writeFile(
      extra,
      `# extra test override (cf-apply)\nservices:\n  orthanc:\n    volumes:\n      - scratch:/mnt/scratch\nvolumes:\n  scratch:\n    driver: local\n    driver_opts:\n      type: none   # a bind, standing in for cifs\n      o: bind\n      device: ${folderA}\n`,
      { mode: 0o600 },
    );
    env = { ...stack.env, OVENA_COMPOSE_FILE: `${stack.env.OVENA_COMPOSE_FILE}:${extra}` };
  });

  after(async () => {
    await stack?.down();
  });

  async function scratchMarker(): Promise<string> {
    const id = (await composeCommand({ ...stack, env }, ['ps', '-q', 'orthanc'])).trim();
    return (await docker(['exec', id, 'cat', '/mnt/scratch/marker'])).trim();
  }

  it('recreates a volume so the container sees the changed driver_opts; db-data is kept', async () => {
    const dbVolume = `${stack.env.COMPOSE_PROJECT_NAME}_db-data`;
    const dbBefore = await volumeIdentity(dbVolume, `${Date.now()}-${Math.random()}`);
    await createInstance(stack.orthancUrl, 'CF1');
    const first = await ovena(['cifs', 'apply', 'scratch'], { env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(await scratchMarker(), 'A');

    // Change device A -> B with ovena's edit machinery (splice + compose validator + rename).
    const files = (env.OVENA_COMPOSE_FILE ?? '').split(':');
    const original = await readFile(extra, 'utf8');
    const edited = planDriverOptEdit(
      parseComposeText(original, extra),
      extra,
      'scratch',
      'device',
      folderB,
    );
    assert.equal(edited, original.replace(folderA, folderB));
    const compose = await Compose.open({ files, env });
    await replaceComposeFile({
      compose,
      files,
      file: extra,
      originalText: original,
      newText: edited,
      secrets: [],
    });

    // The old options stay in force while the volume exists: a plain restart does not pick the
    // change up (compose v1 even refuses to start until the volume is removed).
    assert.equal((await ovena(['stop'], { env })).code, 0);
    const restart = await ovena(['start'], { env });
    assert.equal(restart.code, 1, restart.stdout + restart.stderr);
    assert.match(
      restart.stdout + restart.stderr,
      /the device options of volume "scratch" changed in the compose file .*run "ovena cifs apply scratch"/,
    );

    // The database volume's configuration changed too (a label). Compose v2 would ask to recreate
    // it (`up --yes` would say yes: the archive gone); v1 ignores labels of an existing volume.
    const dbChange = path.join(path.dirname(extra), 'docker-compose.db-label.yml');
    await writeFile(dbChange, 'volumes:\n  db-data:\n    labels:\n      ovena.test: changed\n', {
      mode: 0o600,
    });
    const envDbChanged = { ...env, OVENA_COMPOSE_FILE: `${env.OVENA_COMPOSE_FILE}:${dbChange}` };
    const applied = await ovena(['cifs', 'apply', 'scratch'], { env: envDbChanged });
    assert.match(applied.stdout, /done\s+Remove the volumes .*removed \S+_scratch/);
    if (stack.env.OVENA_COMPOSE_FLAVOR === 'v2') {
      // No prompt answered, nothing recreated but the share: ovena stops and says why.
      assert.equal(applied.code, 1, applied.stdout + applied.stderr);
      assert.match(
        applied.stdout + applied.stderr,
        /starting db failed: the configuration of volume "\S*db-data" changed in the compose file; docker kept the existing volume, which holds the database and which ovena never recreates: undo that change/,
      );
      // The change undone, a plain start brings everything up on the recreated share.
      const start = await ovena(['start'], { env });
      assert.equal(start.code, 0, start.stdout + start.stderr);
    } else {
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.match(applied.stdout, /^orthanc\s+running/m);
    }
    assert.equal(await scratchMarker(), 'B');
    // The database volume and the archive survived: the same volume, the same data.
    assert.equal(await volumeIdentity(dbVolume), dbBefore);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 1);
    assert.equal(await readFile(path.join(folderA, 'marker'), 'utf8'), 'A\n');
  });

  it('refuses to remove the database volume', async () => {
    const result = await ovena(['cifs', 'apply', 'db-data'], { env });
    assert.equal(result.code, 64);
    assert.match(result.stderr, /refusing to remove volume "db-data": it holds the database/);
  });

  it('never prints a known password: set --apply, show, status', async () => {
    const outputs: string[] = [];
    const set = await ovena(
      [
        'cifs',
        'set',
        'images',
        '--server',
        'nas1.lan',
        '--username',
        'svc',
        '--password-stdin',
        '--apply',
      ],
      { env, input: password },
    );
    assert.equal(set.code, 0, `${set.stdout}${set.stderr}`.replaceAll('E2e-Kn0wn', 'LEAK'));
    assert.match(set.stdout, /Updated volume images .*\(server, username, password\)/);
    outputs.push(set.stdout, set.stderr);
    for (const args of [
      ['cifs', 'show'],
      ['cifs', 'show', '--json'],
      ['cifs'],
      ['status'],
      ['status', '--json'],
      ['cifs', 'set', 'images', '--password-stdin', '--json'],
      ['cifs', 'set', 'backup', '--username', 'x,y', '--password-stdin'],
    ]) {
      const result = await ovena(args, { env, input: password });
      outputs.push(result.stdout, result.stderr);
    }
    const status = JSON.parse(outputs[10] ?? '{}') as {
      shares: Array<{ volume: string; configured: boolean }>;
    };
    assert.deepEqual(
      status.shares.map((share) => [share.volume, share.configured]),
      [
        ['images', true],
        ['backup', false],
      ],
    );
    const composeFile = (env.OVENA_COMPOSE_FILE ?? '').split(':')[0] ?? '';
    outputs.push(await readFile(`${composeFile}.bak`, 'utf8'));
    for (const output of outputs) {
      assert.ok(!output.includes('E2e-Kn0wn'), output);
      assert.ok(!output.includes('Pa$$word') && !output.includes('Pa$$$$word'), output);
    }
    assert.equal((await stat(composeFile)).mode & 0o777, 0o600);
  });
});
