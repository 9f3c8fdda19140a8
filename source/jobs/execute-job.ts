import type { CommandContext } from '../context.ts';
import type { Job, JobResult } from './job.ts';
import { createPlainRenderer } from './plain-renderer.ts';
import { runJob } from './run-job.ts';

/** The signals that abort a run (with cleanup) instead of killing ovena outright. */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a job the way the context asks: its terminal renderer (Ink) on a terminal, plain lines
 * elsewhere. SIGINT, SIGTERM and SIGHUP (the SSH connection dropped) abort the running step and
 * let it clean up before ovena exits.
 */
export async function executeJob(job: Job, context: CommandContext): Promise<JobResult> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(signal);
  };
  for (const signal of stopSignals) process.on(signal, onSignal);
  try {
    // The terminal renderer is handed in by the command line: jobs/ never loads the UI itself.
    if (context.interactive && context.runJobInteractive)
      return await context.runJobInteractive(job, context.io, controller);
    // With --json, stdout carries only the JSON document; the log goes to stderr.
    const stream = context.json ? context.io.stderr : context.io.stdout;
    const result = await runJob(job, {
      signal: controller.signal,
      onEvent: createPlainRenderer(stream),
    });
    if (context.json) context.io.stdout.write(`${JSON.stringify(jsonOfResult(job, result))}\n`);
    return result;
  } finally {
    for (const signal of stopSignals) process.off(signal, onSignal);
  }
}

export function jsonOfResult(job: Job, result: JobResult): Record<string, unknown> {
  return {
    job: job.title,
    outcome: result.outcome,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    ...(result.stoppedAt ? { stoppedAt: result.stoppedAt.id } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.state ? { state: result.state } : {}),
  };
}
