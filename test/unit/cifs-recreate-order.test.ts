import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recreateJob } from '../../source/cifs/recreate-volumes.ts';
import type { Compose } from '../../source/compose/compose.ts';

/** Just enough of the compose adapter for the job's plan and its stop step. */
function fakeCompose(stopped: string[]): Compose {
  return {
    files: ['/etc/ovena/docker-compose.yml'],
    env: {},
    project: {
      dbService: 'db',
      orthancService: 'orthanc',
      dbUser: 'orthanc',
      dbName: 'orthanc',
      orthancUrl: 'http://127.0.0.1:8042',
    },
    model: {
      services: {
        db: {
          environment: {},
          ports: [],
          volumes: [{ type: 'volume', source: 'backup', target: '/mnt/backup' }],
        },
        orthanc: {
          environment: {},
          ports: [],
          volumes: [{ type: 'volume', source: 'images', target: '/var/lib/orthanc/db' }],
        },
      },
      volumes: {
        backup: { driverOpts: { type: 'cifs', device: '//nas/backup', o: 'addr=nas' } },
        images: { driverOpts: { type: 'cifs', device: '//nas/images', o: 'addr=nas' } },
      },
    },
    stop: async (services: string[]) => {
      stopped.push(...services);
    },
  } as unknown as Compose;
}

describe('recreating the backup share volume', () => {
  it('stops Orthanc before the database, which is the only user of the volume', async () => {
    const stopped: string[] = [];
    const job = recreateJob(fakeCompose(stopped), ['backup'], '/nonexistent/state');
    const step = job.steps.find((entry) => entry.id === 'stop-services');
    assert.ok(step);
    assert.match(step.title, /\(orthanc, db\)/);
    await step.run({ signal: new AbortController().signal, progress: () => {}, log: () => {} });
    assert.deepEqual(stopped, ['orthanc', 'db']);
  });
});
