import type { JobEvent, JobResult, Progress } from './job.ts';

/** What a job screen shows, folded from the runner's events by a pure reducer. */
export type StepView = {
  id: string;
  title: string;
  status: 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'interrupted';
  startedAt?: number;
  durationMs?: number;
  progress?: Progress;
  progressAt?: number;
  note?: string;
  logs: string[];
};

export type JobView = {
  title: string;
  steps: StepView[];
  result?: JobResult;
  /** Set when the operator asked to stop; the running step is cleaning up. */
  stopping: boolean;
};

export const initialJobView: JobView = { title: '', steps: [], stopping: false };

function updateStep(view: JobView, id: string, change: (step: StepView) => StepView): JobView {
  return { ...view, steps: view.steps.map((step) => (step.id === id ? change(step) : step)) };
}

export function jobViewReducer(
  view: JobView,
  event: JobEvent | { type: 'stop-requested' },
): JobView {
  switch (event.type) {
    case 'job-started':
      return {
        title: event.title,
        steps: event.steps.map((step) => ({ ...step, status: 'pending', logs: [] })),
        stopping: false,
      };
    case 'step-started':
      return updateStep(view, event.id, (step) => ({
        ...step,
        status: 'running',
        startedAt: event.at,
      }));
    case 'step-progress':
      return updateStep(view, event.id, (step) => ({
        ...step,
        progress: event.progress,
        progressAt: event.at,
      }));
    case 'step-log':
      return updateStep(view, event.id, (step) => ({
        ...step,
        logs: [...step.logs.slice(-4), event.line],
      }));
    case 'step-finished':
      return updateStep(view, event.id, (step) => ({
        ...step,
        status: 'done',
        durationMs: event.durationMs,
        note: event.summary,
      }));
    case 'step-skipped':
      return updateStep(view, event.id, (step) => ({
        ...step,
        status: 'skipped',
        note: event.reason,
      }));
    case 'step-failed':
      return updateStep(view, event.id, (step) => ({
        ...step,
        status: event.interrupted ? 'interrupted' : 'failed',
        durationMs: event.durationMs,
        note: event.error,
      }));
    case 'job-finished':
      return { ...view, result: event.result };
    case 'stop-requested':
      return { ...view, stopping: true };
  }
}
