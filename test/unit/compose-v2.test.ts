import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flavorOfVersion } from '../../source/compose/detect-flavor.ts';
import { composeInvocation } from '../../source/compose/invocation.ts';
import { modelFromConfig } from '../../source/compose/model.ts';
import { firstLine } from '../../source/compose/tool-errors.ts';
import {
  changedOption,
  composeProjectName,
  deviceVolumesOf,
  holdsDatabase,
  promptedVolume,
} from '../../source/compose/volume-drift.ts';

const model = modelFromConfig({
  services: {
    db: { volumes: ['db-data:/var/lib/postgresql/data', 'backup:/mnt/backup'] },
    orthanc: { volumes: [{ type: 'volume', source: 'images', target: '/var/lib/orthanc/db' }] },
  },
  volumes: {
    'db-data': {},
    images: {
      driver: 'local',
      driver_opts: { type: 'cifs', device: '//nas/images', o: 'username=u,password=Pa$$w,,x' },
    },
    backup: { name: 'site_backup', driver_opts: { type: 'none', o: 'bind', device: '/srv/b' } },
  },
});

describe('compose v2 differences', () => {
  it('reads v1 and v2 version answers, Debian and v-prefixed ones too', () => {
    assert.equal(flavorOfVersion('1.29.2\n'), 'v1');
    assert.equal(flavorOfVersion('2.40.3-3'), 'v2');
    assert.equal(flavorOfVersion('v2.26.1'), 'v2');
    assert.equal(flavorOfVersion('5.0.0'), 'v2');
    assert.equal(flavorOfVersion('unknown flag: --short'), undefined);
  });

  it('runs a standalone binary (v2 as docker-compose, or OVENA_COMPOSE_BIN) in place of the plugin', () => {
    assert.deepEqual(composeInvocation('v2', ['/a.yml'], ['ps'], 'docker-compose'), {
      file: 'docker-compose',
      args: ['-f', '/a.yml', 'ps'],
    });
    assert.deepEqual(composeInvocation('v1', ['/a.yml'], ['ps'], '/opt/dc'), {
      file: '/opt/dc',
      args: ['-f', '/a.yml', 'ps'],
    });
  });

  it('names the share-like volumes a service mounts, with their docker names', () => {
    assert.deepEqual(deviceVolumesOf(model, ['orthanc'], 'proj'), [
      { volume: 'images', dockerName: 'proj_images' },
    ]);
    assert.deepEqual(deviceVolumesOf(model, ['db'], 'proj'), [
      { volume: 'backup', dockerName: 'site_backup' },
    ]);
  });

  it('compares docker options with the file, `$$` being how compose config prints `$`', () => {
    const images = model.volumes.images;
    assert.ok(images);
    const same = { device: '//nas/images', o: 'username=u,password=Pa$w,,x', type: 'cifs' };
    assert.equal(changedOption(images, { Name: 'x', Driver: 'local', Options: same }), undefined);
    assert.equal(
      changedOption(images, { Name: 'x', Driver: 'local', Options: { ...same, device: '//o' } }),
      'device',
    );
    assert.equal(changedOption(images, { Name: 'x', Driver: 'local', Options: null }), 'type');
    assert.equal(changedOption(images, { Name: 'x', Driver: 'other', Options: same }), 'driver');
  });

  it("recognises v2's recreate question and the database volume", () => {
    const output =
      'Volume "site_db-data" exists but doesn\'t match configuration in compose file. Recreate (data will be lost)?\n';
    assert.equal(promptedVolume(output, 'site'), 'db-data');
    assert.equal(promptedVolume(' Container site-db-1  Running\n', 'site'), undefined);
    assert.ok(holdsDatabase(model, 'db', 'db-data'));
    assert.ok(!holdsDatabase(model, 'db', 'backup'));
  });

  it("uses compose's default project name", () => {
    assert.equal(composeProjectName(['/etc/Ovena.d/x.yml'], {}), 'ovenad');
    assert.equal(composeProjectName(['/x/y.yml'], { COMPOSE_PROJECT_NAME: 'Site-1' }), 'site-1');
  });

  it('keeps the error, not the progress, of a failed up on v1 and v2 (captured here)', () => {
    const mount =
      "error while mounting volume '/var/lib/docker/volumes/p_share/_data': failed to mount local volume: mount /nonexistent:/var/lib/docker/volumes/p_share/_data, flags: 0x1000: no such file or directory";
    const v1 = `Creating volume "p_share" with default driver\nCreating p_a_1 ... \nCreating p_a_1 ... error\n\nERROR: for p_a_1  Cannot start service a: ${mount}\n\nERROR: for a  Cannot start service a: ${mount}\nEncountered errors while bringing up the project.\n`;
    const v2 = ` Volume p_share  Creating\n Volume p_share  Created\n Container p-a-1  Creating\n Container p-a-1  Created\n Container p-a-1  Starting\nError response from daemon: ${mount}\n`;
    assert.equal(firstLine(v1), `Cannot start service a: ${mount}`);
    assert.equal(firstLine(v2), `Error response from daemon: ${mount}`);
    const v2Create = ` Volume p_share  Creating\n Container p-a-1  Creating\n Container p-a-1  Error response from daemon: ${mount}\nError response from daemon: ${mount}\n`;
    assert.equal(firstLine(v2Create), `Error response from daemon: ${mount}`);
  });
});
