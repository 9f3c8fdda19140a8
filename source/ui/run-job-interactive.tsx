import { render } from 'ink';
import type { Io } from '../context.ts';
import type { Job, JobResult } from '../jobs/job.ts';
import { inkOptions } from './ink-options.ts';
import { JobApp } from './job-app.tsx';

export async function runJobInteractive(
  job: Job,
  io: Io,
  controller: AbortController,
): Promise<JobResult> {
  let result: JobResult | undefined;
  const instance = render(
    <JobApp
      job={job}
      controller={controller}
      onDone={(value) => {
        result = value;
      }}
    />,
    inkOptions(io),
  );
  await instance.waitUntilExit();
  if (!result) throw new Error('job ended without a result');
  return result;
}
