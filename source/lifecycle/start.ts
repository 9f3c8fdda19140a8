import { setTimeout as sleep } from 'node:timers/promises';
import type { Compose } from '../compose/compose.ts';
import { OvenaError } from '../errors.ts';
import type { Job, Step } from '../jobs/job.ts';
import { lockedJob } from '../lock/locked-job.ts';
import { assertNoBlockingRestore } from '../lock/restore-marker.ts';
import { OrthancClient } from '../orthanc/client.ts';
import { settleBesideMarker } from '../restore/beside/settle.ts';

/**
 * Start the database, wait for health, then Orthanc, and wait until it answers HTTP; never while
 * a restore that destroyed the database is unfinished (Orthanc would run on a half-loaded index).
 */
export function startSteps(compose: Compose, stateDir: string): Step[] {
  const { dbService, orthancService } = compose.project;
  return [
    {
      id: 'check-restore',
      title: 'Check that no restore is unfinished',
      async run() {
        await assertNoBlockingRestore(stateDir, 'start', 'starting Orthanc');
      },
    },
    {
      id: 'start-db',
      title: `Start the database (${dbService})`,
      async run({ signal }) {
        await compose.up([dbService], signal);
      },
    },
    {
      id: 'wait-db',
      title: 'Wait until the database is healthy',
      async run({ signal, progress, log }) {
        await compose.waitHealthy(dbService, {
          signal,
          onState: (state) => progress({ detail: `health: ${state.health ?? state.state}` }),
        });
        // Issue 18: a beside switch cut short is finished or undone before Orthanc starts.
        const settled = await settleBesideMarker(compose, stateDir, signal);
        if (settled) log(settled);
        return settled ? { summary: settled } : undefined;
      },
    },
    {
      id: 'start-orthanc',
      title: `Start Orthanc (${orthancService})`,
      async run({ signal }) {
        await compose.up([orthancService], signal);
      },
    },
    {
      id: 'wait-orthanc',
      title: 'Wait until Orthanc answers',
      async run({ signal, progress }) {
        const summary = await waitForOrthanc(compose, signal, (detail) => progress({ detail }));
        return { summary };
      },
    },
  ];
}

export async function waitForOrthanc(
  compose: Compose,
  signal: AbortSignal,
  report: (detail: string) => void,
  timeoutMs = 180_000,
): Promise<string> {
  const client = new OrthancClient(compose.project.orthancUrl);
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    signal.throwIfAborted();
    try {
      const system = await client.system(signal);
      const statistics = await client.statistics(signal);
      return `Orthanc ${system.Version}, ${statistics.CountInstances} instances in ${statistics.CountStudies} studies`;
    } catch (error) {
      signal.throwIfAborted();
      lastError = (error as Error).message;
    }
    const state = await compose.serviceState(compose.project.orthancService, signal);
    if (state.state !== 'running') {
      throw new OvenaError(
        `Orthanc's container is ${state.state}: see "docker logs ${state.containerId?.slice(0, 12) ?? ''}"`,
      );
    }
    if (Date.now() > deadline) throw new OvenaError(`Orthanc did not answer in time: ${lastError}`);
    report(`waiting for ${compose.project.orthancUrl}/system`);
    await sleep(1000, undefined, { signal });
  }
}

/**
 * The "Start services" job. `whereToLook` ends the message of a job that stopped half-way: where
 * the operator sees which services run (e.g. `"ovena status" shows which`).
 */
/** The start job under the host lock (kind `start`): the command and the home screen run this. */
export function startJob(compose: Compose, stateDir: string, whereToLook: string): Job {
  const job: Job = {
    title: 'Start services',
    steps: startSteps(compose, stateDir),
    describeState: (stoppedAt) =>
      stoppedAt === 'check-restore'
        ? 'nothing was started'
        : `some services may be running; ${whereToLook}`,
  };
  return lockedJob(job, stateDir, 'start', { nothingDone: 'nothing was started' });
}
