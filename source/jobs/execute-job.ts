import type { CommandContext } from '../context.ts';
import { childController } from './child-controller.ts';
import type { Job, JobResult } from './job.ts';
import { createPlainRenderer } from './plain-renderer.ts';
import { runJob } from './run-job.ts';

/**
 * Runs a job the way the context asks: its terminal renderer (Ink) on a terminal, plain lines elsewhere. The context's
 * signal (SIGINT, SIGTERM, SIGHUP) aborts the running step and lets it clean up before ovena exits.
 */
export type ExecuteJobOptions = {
  /**
   * With --json, write the job's JSON document (default). A command that runs several jobs passes
   * false and writes one document of its own, so stdout holds exactly one JSON document.
   */
  jsonDocument?: boolean;
};

export async function executeJob(
  job: Job,
  context: Pick<CommandContext, 'interactive' | 'io' | 'json' | 'signal' | 'runJobInteractive'>,
  options: ExecuteJobOptions = {},
): Promise<JobResult> {
  // The run's signal (cli/signals.ts) aborts the job; a screen's Ctrl-C key aborts only the job.
  const { controller, dispose } = childController(context.signal);
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
    if (context.json && options.jsonDocument !== false)
      context.io.stdout.write(`${JSON.stringify(jsonOfResult(job, result))}\n`);
    return result;
  } finally {
    dispose();
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
