import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelFromConfig, projectInfo } from '../../source/compose/model.ts';
import { dockerRefusedExec } from '../../source/compose/tool-errors.ts';
import { OvenaError } from '../../source/errors.ts';

const config = {
  services: {
    db: {
      image: 'postgres:15',
      environment: { POSTGRES_USER: 'orthanc', POSTGRES_DB: 'archive', POSTGRES_PASSWORD: 'x' },
    },
    orthanc: {
      image: 'orthancteam/orthanc',
      ports: [{ target: 8042, published: '18042', host_ip: '127.0.0.1', mode: 'ingress' }],
    },
  },
  volumes: {
    images: {
      driver: 'local',
      driver_opts: { type: 'cifs', device: '//nas/share', o: 'addr=nas' },
    },
  },
};

describe('compose model', () => {
  it('reads the database user and name from the db service', () => {
    const info = projectInfo(modelFromConfig(config), {});
    assert.equal(info.dbUser, 'orthanc');
    assert.equal(info.dbName, 'archive');
    assert.equal(info.orthancUrl, 'http://127.0.0.1:18042');
  });

  it('defaults like the official postgres image', () => {
    const info = projectInfo(
      modelFromConfig({ services: { db: {}, orthanc: { ports: ['8042:8042'] } } }),
      {},
    );
    assert.equal(info.dbUser, 'postgres');
    assert.equal(info.dbName, 'postgres');
    assert.equal(info.orthancUrl, 'http://127.0.0.1:8042');
  });

  it('reads environment lists and host networking', () => {
    const model = modelFromConfig({
      services: {
        db: { environment: ['POSTGRES_USER=u'] },
        orthanc: { network_mode: 'host', environment: { ORTHANC__HTTP_PORT: '58042' } },
      },
    });
    const info = projectInfo(model, {});
    assert.equal(info.dbUser, 'u');
    assert.equal(info.orthancUrl, 'http://127.0.0.1:58042');
  });

  it('lets the environment name the services and Orthanc address', () => {
    const model = modelFromConfig({ services: { postgres: {}, pacs: {} } });
    const info = projectInfo(model, {
      OVENA_DB_SERVICE: 'postgres',
      OVENA_ORTHANC_SERVICE: 'pacs',
      OVENA_ORTHANC_URL: 'http://127.0.0.1:1/',
    });
    assert.equal(info.dbService, 'postgres');
    assert.equal(info.orthancUrl, 'http://127.0.0.1:1');
  });

  it('names a missing service and lists the ones present', () => {
    assert.throws(
      () => projectInfo(modelFromConfig({ services: { web: {} } }), {}),
      (error: unknown) =>
        error instanceof OvenaError &&
        error.exitCode === 67 &&
        /"db" is not defined.*services: web/.test(error.message),
    );
  });

  it('keeps CIFS driver options', () => {
    assert.equal(modelFromConfig(config).volumes.images?.driverOpts.type, 'cifs');
  });

  it("keeps v2's project name (v1 prints none), which finds containers by their labels", () => {
    assert.equal(modelFromConfig({ ...config, name: 'orthanc-prod' }).projectName, 'orthanc-prod');
    assert.equal(modelFromConfig(config).projectName, undefined);
  });

  it("tells docker's refusal of an exec (the command never ran) from the command's own failure", () => {
    for (const refused of [
      'Error response from daemon: Container 550efcaa81ef is not running',
      'Error response from daemon: container 550efcaa81ef is paused, unpause the container before exec',
      'Error response from daemon: No such container: 0123456789ab',
      'psql failed in the db container: Error response from daemon: Container abc is restarting, wait until the container is running',
    ])
      assert.equal(dockerRefusedExec(refused), true, refused);
    for (const own of [
      'psql: error: connection to server on socket failed: No such file or directory',
      'sh: 1: pg_dump: not found',
      'OCI runtime exec failed: exec failed: unable to start container process',
    ])
      assert.equal(dockerRefusedExec(own), false, own);
  });
});
