import type { Compose } from '../compose/compose.ts';
import type { Job, Step } from '../jobs/job.ts';
import { lockedJob } from '../lock/locked-job.ts';

/** Orthanc first, so it never runs against a stopped database; data volumes are kept. */
export function stopSteps(compose: Compose): Step[] {
  const { dbService, orthancService } = compose.project;
  return [
    {
      id: 'stop-orthanc',
      title: `Stop Orthanc (${orthancService})`,
      async run({ signal }) {
        await compose.stop([orthancService], signal);
      },
    },
    {
      id: 'stop-db',
      title: `Stop the database (${dbService})`,
      async run({ signal }) {
        await compose.stop([dbService], signal);
      },
    },
  ];
}

/**
 * The "Stop services" job under the host lock (kind `stop`). `whereToLook` ends the message of a
 * job that stopped half-way; `afterwards` is added to the success line (e.g. how to start again).
 */
export function stopJob(
  compose: Compose,
  stateDir: string,
  whereToLook: string,
  afterwards?: string,
): Job {
  const job: Job = {
    title: 'Stop services',
    steps: stopSteps(compose),
    describeState: () => `some services may still run; ${whereToLook}`,
    successSummary: () => `services stopped, data kept${afterwards ? `; ${afterwards}` : ''}`,
  };
  return lockedJob(job, stateDir, 'stop', { nothingDone: 'nothing was stopped' });
}
