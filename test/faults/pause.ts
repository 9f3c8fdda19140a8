import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Stack } from '../helpers/stack.ts';
import { type RunningOvena, startOvena } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Runs ovena with the runner's test pause (source/jobs/test-pause.ts) before step `stepId`:
 * resolves once it waits there, so the fault is staged at that exact point.
 */
export async function runPausedBefore(
  stack: Stack,
  args: string[],
  stepId: string,
  env: NodeJS.ProcessEnv = stack.env,
): Promise<RunningOvena & { release(): Promise<void> }> {
  const file = path.join(stack.env.OVENA_STATE_DIR ?? '/tmp', '..', `pause-${stepId}`);
  await rm(file, { force: true });
  const running = startOvena(args, {
    ...env,
    OVENA_TEST_PAUSE_BEFORE: stepId,
    OVENA_TEST_PAUSE_FILE: file,
  });
  let ended = false;
  void running.done.then(() => {
    ended = true;
  });
  try {
    await waitFor(() => existsSync(file) || ended, 180_000, `ovena paused before ${stepId}`);
  } catch (error) {
    // Stuck short of the step: stop the ovena this started (its pid) and say where it stood.
    running.child.kill('SIGTERM');
    const result = await running.done;
    throw new Error(
      `${(error as Error).message}; ovena, stopped by SIGTERM, ended ${result.code ?? result.signal}:\n${running.output()}`,
    );
  }
  if (!existsSync(file)) {
    const result = await running.done;
    throw new Error(`ovena ended (${result.code}) before the step ${stepId}:\n${running.output()}`);
  }
  return { ...running, release: () => rm(file, { force: true }) };
}
