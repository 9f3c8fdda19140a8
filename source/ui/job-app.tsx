import { useApp, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useRef, useState } from 'react';
import type { Job, JobResult } from '../jobs/job.ts';
import { initialJobView, jobViewReducer } from '../jobs/job-state.ts';
import { runJob } from '../jobs/run-job.ts';
import { type JobHeading, JobScreen } from './job-view.tsx';

export type JobAppProps = {
  job: Job;
  controller: AbortController;
  onDone(result: JobResult): void;
  /** When false, the app stays mounted after the job (a parent screen decides what comes next). */
  exitWhenDone?: boolean;
  /** Drawn once above the steps (a screen's title); the command line draws none. */
  heading?: JobHeading;
};

/** Runs a job and renders it; Ctrl-C asks the running step to stop and clean up. */
export function JobApp({ job, controller, onDone, exitWhenDone = true, heading }: JobAppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [view, dispatch] = useReducer(jobViewReducer, initialJobView);
  const [now, setNow] = useState(() => Date.now());

  const [finished, setFinished] = useState<JobResult | undefined>(undefined);

  useEffect(() => {
    let active = true;
    void runJob(job, {
      signal: controller.signal,
      onEvent: (event) => active && dispatch(event),
    }).then((result) => {
      if (active) setFinished(result);
    });
    return () => {
      active = false;
    };
  }, [job, controller]);

  // Signalled from an effect, so only after the final view has been committed: Ink writes
  // <Static> items when their commit lands, and a parent that swaps this view for its next screen
  // in the same update as the last step's finish would unmount them unwritten.
  const signalled = useRef<JobResult | undefined>(undefined);
  useEffect(() => {
    if (!finished || !view.result || signalled.current === finished) return;
    signalled.current = finished;
    onDone(finished);
    // Let the summary render before Ink unmounts.
    if (exitWhenDone) setTimeout(() => exit(), 20);
  }, [finished, view.result, onDone, exit, exitWhenDone]);

  useEffect(() => {
    if (view.result) return;
    const timer = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(timer);
  }, [view.result]);

  useInput((input, key) => {
    if ((key.ctrl && input === 'c') || input === '\u0003') {
      if (view.result) return;
      dispatch({ type: 'stop-requested' });
      controller.abort('SIGINT');
    }
  });

  return (
    <JobScreen
      view={view}
      now={now}
      width={stdout.columns || 80}
      {...(heading ? { heading } : {})}
    />
  );
}
