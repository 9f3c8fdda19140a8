import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { replaceComposeFile } from '../../source/cifs/write-compose-file.ts';
import { Compose } from '../../source/compose/compose.ts';
import { secretSpellings } from '../../source/secrets/password-options.ts';
import { ovena } from '../helpers/stack.ts';

const run = promisify(execFile);
const template = new URL('../fixtures/cifs/01-template.yml', import.meta.url);
const password = 'Kn0wn-S3cret,with$dollar';

/** Sets the images share's server, user and password, as an operator would. */
function setImagesShare(env: NodeJS.ProcessEnv) {
  return ovena(
    [
      'cifs',
      'set',
      'images',
      '--server',
      'nas1.hospital.lan',
      '--username',
      'svc',
      '--password-stdin',
    ],
    { env, input: `${password}\n` },
  );
}

// Each case starts from its own copy of the template: the cases pass in any order, or alone.
describe('writing the compose file (real docker-compose validator, no stack)', () => {
  let folder: string;
  let file: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'cf-write-'));
    file = path.join(folder, 'docker-compose.yml');
    await copyFile(template, file);
    env = { ...process.env, OVENA_COMPOSE_FILE: file, OVENA_STATE_DIR: path.join(folder, 'state') };
    delete env.COMPOSE_FILE;
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('set writes 0600 file and .bak, and compose sees the password escaped for the kernel', async () => {
    const original = await readFile(file, 'utf8');
    const result = await setImagesShare(env);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!`${result.stdout}${result.stderr}`.includes('Kn0wn-S3cret'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(`${file}.bak`)).mode & 0o777, 0o600);
    assert.equal(await readFile(`${file}.bak`, 'utf8'), original);
    // compose v1's `config` prints its output re-escaped (a literal `$` as `$$`), so the file's
    // spelling is what it shows; the comma is doubled for the kernel.
    const { stdout } = await run('docker-compose', ['-f', file, 'config'], { env });
    const config = parse(stdout) as {
      volumes: { images: { driver_opts: { o: string; device: string } } };
    };
    assert.equal(config.volumes.images.driver_opts.device, '//nas1.hospital.lan/orthanc-images');
    assert.equal(
      config.volumes.images.driver_opts.o,
      'addr=nas1.hospital.lan,username=svc,password=Kn0wn-S3cret,,with$$dollar,vers=3.0,uid=0,gid=0,file_mode=0660,dir_mode=0770',
    );
    // No temporary file is left in the folder.
    assert.deepEqual(
      (await readdir(folder)).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('a refused value leaves the file untouched and names the field', async () => {
    const before = await readFile(file, 'utf8');
    for (const [args, field] of [
      [['--server', 'nas 1'], 'server'],
      [['--username', 'a,b'], 'username'],
      [['--share', ''], 'share'],
    ] as const) {
      const result = await ovena(['cifs', 'set', 'backup', ...args], { env });
      assert.equal(result.code, 64, result.stderr);
      assert.match(result.stderr, new RegExp(`the ${field} `));
    }
    const newline = await ovena(['cifs', 'set', 'backup', '--password-stdin'], {
      env,
      input: 'a\nb\n',
    });
    assert.equal(newline.code, 64);
    assert.match(newline.stderr, /the password must not contain a line break/);
    assert.equal(await readFile(file, 'utf8'), before);
  });

  it("compose's rejection leaves the file unchanged and shows compose's message, redacted", async () => {
    const compose = await Compose.open({ files: [file], env });
    const original = await readFile(file, 'utf8');
    const broken = original.replace(
      /o: "addr=nas\.example\.org[^"]*"/,
      `o: "addr=x,username=u,password=${password.replaceAll('$', '$$$$').replaceAll(',', ',,')}\${oops"`,
    );
    assert.notEqual(broken, original);
    await assert.rejects(
      replaceComposeFile({
        compose,
        files: [file],
        file,
        originalText: original,
        newText: broken,
        secrets: secretSpellings([password]),
      }),
      (error: Error & { exitCode: number }) => {
        assert.equal(error.exitCode, 78);
        assert.match(
          error.message,
          /compose rejected the change, .* is unchanged: .*[Ii]nvalid interpolation/,
        );
        assert.ok(!error.message.includes('Kn0wn-S3cret'), error.message);
        return true;
      },
    );
    assert.equal(await readFile(file, 'utf8'), original);
    assert.deepEqual(
      (await readdir(folder)).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('show and show --json never print the password', async () => {
    const set = await setImagesShare(env);
    assert.equal(set.code, 0, set.stderr);
    const text = await ovena(['cifs', 'show'], { env });
    const json = await ovena(['cifs', 'show', '--json'], { env });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /password\s+••••/);
    const shares = (
      JSON.parse(json.stdout) as {
        shares: Array<{ volume: string; password: string; configured: boolean }>;
      }
    ).shares;
    assert.deepEqual(
      shares.map((share) => [share.volume, share.password, share.configured]),
      [
        ['images', 'set', true],
        ['backup', 'set', false],
      ],
    );
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr])
      assert.ok(!output.includes('Kn0wn-S3cret'));
  });
});
