import type { Step } from '../jobs/job.ts';
import { writeRestoreTimings } from '../records/restore-timings.ts';

/**
 * Measures a from-scratch restore's fixed steps (stop, remove the volume, start the database) and
 * records them once all three ran, so that the drill's RTO estimate uses this host's real times.
 */
export function recordFixedSteps(stateDir: string, steps: Step[]): Step[] {
  const measured: Record<string, number> = {};
  const ids = ['stop', 'remove-volume', 'start-db'];
  return steps.map((step) => {
    if (!ids.includes(step.id)) return step;
    return {
      ...step,
      async run(context) {
        const started = Date.now();
        const outcome = await step.run(context);
        measured[step.id] = Date.now() - started;
        if (ids.every((id) => measured[id] !== undefined)) {
          await writeRestoreTimings(stateDir, {
            at: new Date().toISOString(),
            stopMs: measured.stop ?? 0,
            removeVolumeMs: measured['remove-volume'] ?? 0,
            startDbMs: measured['start-db'] ?? 0,
          }).catch(() => undefined);
        }
        return outcome;
      },
    };
  });
}
