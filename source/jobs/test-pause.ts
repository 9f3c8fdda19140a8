import { existsSync, writeFileSync } from 'node:fs';

/**
 * A test-only hook of the fault suite (test/faults): with OVENA_TEST_PAUSE_BEFORE=STEP-ID and
 * OVENA_TEST_PAUSE_FILE=PATH, the runner writes PATH (holding the step id) before that step starts
 * and waits while PATH exists, so a test can stage a fault at that exact point (kill ovena or the
 * database, fill the share) and then delete PATH to let the step run. Unset: nothing happens.
 */
export async function pauseBeforeStep(
  stepId: string,
  signal: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const file = env.OVENA_TEST_PAUSE_FILE;
  if (!file || env.OVENA_TEST_PAUSE_BEFORE !== stepId) return;
  writeFileSync(file, `${stepId}\n`);
  while (existsSync(file) && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
