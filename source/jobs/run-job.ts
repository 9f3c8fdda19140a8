import { ExitCode, exitCodeOf, messageOf, signalExitCode } from '../errors.ts';
import { redactSecrets } from '../secrets/redact.ts';
import { type Job, type JobEvent, type JobResult, type Progress, SkipStep } from './job.ts';
import { pauseBeforeStep } from './test-pause.ts';

export type RunJobOptions = {
  signal: AbortSignal;
  onEvent(event: JobEvent): void;
  /** Minimum time between progress events of one step; renderers ask for about 10 a second. */
  progressIntervalMs?: number;
  now?: () => number;
};

function interruptedExitCode(signal: AbortSignal): number {
  return signalExitCode(signal.reason);
}

/** Runs the steps in order and reports every change as an event. Never throws. */
export async function runJob(job: Job, options: RunJobOptions): Promise<JobResult> {
  try {
    return await runSteps(job, options);
  } finally {
    await job.cleanup?.().catch(() => undefined);
  }
}

async function runSteps(job: Job, options: RunJobOptions): Promise<JobResult> {
  const now = options.now ?? Date.now;
  const interval = options.progressIntervalMs ?? 100;
  const jobStart = now();
  const emit = options.onEvent;
  emit({
    type: 'job-started',
    title: job.title,
    steps: job.steps.map(({ id, title }) => ({ id, title })),
    at: jobStart,
  });

  for (const step of job.steps) {
    await pauseBeforeStep(step.id, options.signal);
    const stepStart = now();
    if (options.signal.aborted) {
      return finish({
        outcome: 'interrupted',
        stoppedAt: step,
        exitCode: interruptedExitCode(options.signal),
      });
    }
    emit({ type: 'step-started', id: step.id, title: step.title, at: stepStart });
    let lastProgressAt = 0;
    let latest: Progress | undefined;
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (!latest) return;
      lastProgressAt = now();
      emit({
        type: 'step-progress',
        id: step.id,
        progress: latest,
        startedAt: stepStart,
        at: lastProgressAt,
      });
      latest = undefined;
    };
    try {
      const outcome = await step.run({
        signal: options.signal,
        progress(update) {
          latest = { ...latest, ...update };
          const wait = lastProgressAt + interval - now();
          if (wait <= 0) flush();
          else flushTimer ??= setTimeout(flush, wait);
        },
        log(line) {
          emit({ type: 'step-log', id: step.id, line: redactSecrets(line), at: now() });
        },
      });
      if (flushTimer) clearTimeout(flushTimer);
      flush();
      emit({
        type: 'step-finished',
        id: step.id,
        title: step.title,
        durationMs: now() - stepStart,
        summary: outcome?.summary,
        at: now(),
      });
    } catch (error) {
      if (flushTimer) clearTimeout(flushTimer);
      if (error instanceof SkipStep) {
        emit({
          type: 'step-skipped',
          id: step.id,
          title: step.title,
          reason: error.message,
          at: now(),
        });
        continue;
      }
      const interrupted = options.signal.aborted;
      const message = interrupted ? 'interrupted' : redactSecrets(messageOf(error));
      emit({
        type: 'step-failed',
        id: step.id,
        title: step.title,
        durationMs: now() - stepStart,
        error: message,
        interrupted,
        at: now(),
      });
      return finish({
        outcome: interrupted ? 'interrupted' : 'failed',
        stoppedAt: step,
        error: message,
        exitCode: interrupted ? interruptedExitCode(options.signal) : exitCodeOf(error),
      });
    }
  }
  return finish({ outcome: 'succeeded', exitCode: ExitCode.ok });

  function finish(
    partial: Omit<JobResult, 'durationMs' | 'state' | 'stoppedAt'> & {
      stoppedAt?: { id: string; title: string };
    },
  ): JobResult {
    let state: string | undefined;
    try {
      state =
        partial.outcome === 'succeeded'
          ? job.successSummary?.()
          : job.describeState?.(
              partial.stoppedAt?.id ?? '',
              partial.outcome === 'interrupted' ? 'interrupted' : 'failed',
            );
    } catch {
      state = undefined;
    }
    const result: JobResult = {
      ...partial,
      ...(partial.stoppedAt
        ? { stoppedAt: { id: partial.stoppedAt.id, title: partial.stoppedAt.title } }
        : {}),
      durationMs: now() - jobStart,
      ...(state ? { state: redactSecrets(state) } : {}),
    };
    emit({ type: 'job-finished', result, at: now() });
    return result;
  }
}
