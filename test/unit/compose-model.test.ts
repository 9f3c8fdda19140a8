import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelFromConfig, projectInfo } from '../../source/compose/model.ts';
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
});
