import type { CommandContext } from '../cli/context.ts';
import type { Compose } from '../compose/compose.ts';
import { openCompose } from '../compose/open-compose.ts';
import { executeJob } from '../jobs/execute-job.ts';
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

export async function run(context: CommandContext): Promise<number> {
  const compose = await openCompose(context);
  const job = stopJob(compose, context.paths.stateDir, {
    partly: 'some services may still run; "ovena status" shows which',
    done: 'services stopped, data kept; "ovena start" starts them again',
  });
  return (await executeJob(job, context)).exitCode;
}

/** The stop job under the host lock (kind `stop`): the command and the home screen run this. */
export function stopJob(
  compose: Compose,
  stateDir: string,
  text: { partly: string; done: string },
): Job {
  const job: Job = {
    title: 'Stop services',
    steps: stopSteps(compose),
    describeState: () => text.partly,
    successSummary: () => text.done,
  };
  return lockedJob(job, stateDir, 'stop', { nothingDone: 'nothing was stopped' });
}
