import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertDockerEngine, composeArgv, ovena } from '../helpers/stack.ts';

/**
 * Which compose ovena picks, seen through the real binaries: the plugin (`docker compose`) first,
 * a standalone `docker-compose` reporting 2.x is v2, OVENA_COMPOSE_FLAVOR forces, OVENA_COMPOSE_BIN
 * names the binary. A broken compose file makes ovena name the command that checked it.
 */
describe('compose detection (real docker, compose v2 plugin and v1)', () => {
  let folder: string;
  let broken: string;
  let plugin: string;
  let noPlugin: string;
  let standaloneV2: string;
  let base: NodeJS.ProcessEnv;

  function which(name: string): string {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  }

  before(async () => {
    await assertDockerEngine();
    folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-detect-'));
    broken = path.join(folder, 'docker-compose.yml');
    await writeFile(broken, 'services:\n  db:\n    image: x\n    ports: "not a list"\n');
    await chmod(broken, 0o600);
    plugin = execFileSync(
      'docker',
      [
        'info',
        '--format',
        '{{range .ClientInfo.Plugins}}{{if eq .Name "compose"}}{{.Path}}{{end}}{{end}}',
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.ok(plugin, 'no compose v2 plugin: run "sudo docker/test/rig provision"');
    // A host without the plugin: the real docker client, minus its `compose` command.
    noPlugin = path.join(folder, 'no-plugin');
    await mkdir(noPlugin);
    await writeFile(
      path.join(noPlugin, 'docker'),
      `#!/bin/sh\n[ "$1" = compose ] && { echo "docker: unknown command: docker compose" >&2; exit 1; }\nexec ${which('docker')} "$@"\n`,
      { mode: 0o755 },
    );
    await symlink(process.execPath, path.join(noPlugin, 'node'));
    standaloneV2 = path.join(folder, 'standalone-v2');
    await mkdir(standaloneV2);
    await symlink(plugin, path.join(standaloneV2, 'docker-compose'));
    const { OVENA_COMPOSE_FLAVOR: _flavor, OVENA_COMPOSE_BIN: _bin, ...rest } = process.env;
    base = { ...rest, OVENA_COMPOSE_FILE: broken };
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function checkedWith(env: NodeJS.ProcessEnv): Promise<string> {
    const result = await ovena(['status'], { env, timeoutMs: 60_000 });
    assert.equal(result.code, 78, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /compose file is invalid: .*ports/);
    return (
      /\(checked with "([^"]+)", compose (v[12])\)/.exec(result.stderr)?.slice(1).join(' ') ?? ''
    );
  }

  it('prefers the docker compose plugin', async () => {
    assert.equal(await checkedWith(base), 'docker compose config v2');
  });

  it('takes a standalone docker-compose reporting 2.x as v2, v1 1.29 as v1', async () => {
    const v1Folder = path.dirname(which('docker-compose'));
    assert.equal(
      await checkedWith({ ...base, PATH: `${noPlugin}:${standaloneV2}:${v1Folder}` }),
      'docker-compose config v2',
    );
    assert.equal(
      await checkedWith({ ...base, PATH: `${noPlugin}:${v1Folder}` }),
      'docker-compose config v1',
    );
  });

  it('is forced by OVENA_COMPOSE_FLAVOR and pointed at a binary by OVENA_COMPOSE_BIN', async () => {
    assert.equal(
      await checkedWith({ ...base, OVENA_COMPOSE_FLAVOR: 'v1' }),
      'docker-compose config v1',
    );
    assert.equal(await checkedWith({ ...base, OVENA_COMPOSE_BIN: plugin }), `${plugin} config v2`);
    const v1 = which('docker-compose');
    assert.equal(await checkedWith({ ...base, OVENA_COMPOSE_BIN: v1 }), `${v1} config v1`);
  });

  it('refuses a flavour it does not know, in one sentence', async () => {
    const result = await ovena(['status'], { env: { ...base, OVENA_COMPOSE_FLAVOR: 'v3' } });
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /^ovena: OVENA_COMPOSE_FLAVOR is "v3": set it to v1 or v2/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });
});

describe('one-line errors of a failed start, v1 and v2', () => {
  let folder: string;
  const slot = process.env.OVENA_TEST_STACK_SLOT ?? '0';

  before(async () => {
    await assertDockerEngine();
    folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-fail-'));
    const service =
      '    image: ovena-test/debian:1\n    network_mode: host\n    entrypoint: ["sh", "-c", "trap \'exit 0\' TERM; sleep 300 & wait"]\n';
    await writeFile(
      path.join(folder, 'docker-compose.yml'),
      `services:\n  db:\n${service}  orthanc:\n${service}    volumes:\n      - images:/var/lib/orthanc/db\nvolumes:\n  images:\n    driver_opts:\n      type: none\n      o: bind\n      device: ${folder}/missing-share\n`,
      { mode: 0o600 },
    );
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  for (const flavor of ['v2', 'v1'] as const) {
    it(`names the mount error, not compose's progress (${flavor})`, async () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        OVENA_COMPOSE_FLAVOR: flavor,
        OVENA_COMPOSE_FILE: path.join(folder, 'docker-compose.yml'),
        COMPOSE_PROJECT_NAME: `ovena-fail-s${slot}-${flavor}`,
        OVENA_STATE_DIR: path.join(folder, `state-${flavor}`),
        OVENA_CONFIG_DIR: path.join(folder, `state-${flavor}`),
      };
      try {
        const result = await ovena(['start'], { env, timeoutMs: 120_000 });
        assert.equal(result.code, 1, result.stdout + result.stderr);
        // The daemon's reason, in v1's or v2's words, with no progress line or prefix before it.
        const line = /FAILED at "Start Orthanc \(orthanc\)": starting orthanc failed: (.*)$/m.exec(
          result.stdout,
        )?.[1];
        assert.match(
          line ?? '',
          /^(Error response from daemon|Cannot (create|start) ).*mount.*: no such file or directory$/,
          result.stdout,
        );
      } finally {
        const [file, argv] = composeArgv(env, ['down', '-v']);
        execFileSync(file, argv, { env, stdio: 'ignore' });
      }
    });
  }
});
