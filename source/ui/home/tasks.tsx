import { Box, Text, useInput } from 'ink';
import { type ComponentType, useCallback, useEffect, useMemo, useState } from 'react';
import { messageOf } from '../../errors.ts';
import type { Job, JobResult } from '../../jobs/job.ts';
import { redactSecrets } from '../../secrets/redact.ts';
import { JobApp } from '../job-app.tsx';
import { type MenuItem, menuItems, type TaskId } from './home-model.ts';

/**
 * A task opened from the home menu renders its own screen and calls `onDone` to return home.
 * The registry maps menu entries to screens (start, stop, schedule); backup, restore and cifs run
 * as whole commands instead (flows, see `run-home.tsx`).
 */
export type TaskScreenProps = {
  onDone(note?: string): void;
  color: boolean;
};

export type TaskRegistry = Partial<Record<TaskId, ComponentType<TaskScreenProps>>>;

export function describeJobResult(title: string, result: JobResult): string {
  if (result.outcome === 'succeeded')
    return `${title}: done${result.state ? ` (${result.state})` : ''}`;
  const where = result.stoppedAt?.title ?? '?';
  if (result.outcome === 'interrupted') return `${title}: interrupted during "${where}"`;
  return `${title}: failed at "${where}"${result.error ? `: ${result.error}` : ''}`;
}

/**
 * A task that runs a job (steps as data) with the same JobApp as the command line. The job
 * cannot be left while it runs; Ctrl-C stops it safely; afterwards Enter or Esc returns home.
 */
export function JobTask({
  title,
  makeJob,
  onDone,
  color,
}: TaskScreenProps & { title: string; makeJob(): Job | Promise<Job> }) {
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<JobResult>();
  const controller = useMemo(() => new AbortController(), []);
  // Stable identity: JobApp restarts its job when onDone changes.
  const finished = useCallback((value: JobResult) => setResult(value), []);

  useEffect(() => {
    let active = true;
    Promise.resolve()
      .then(makeJob)
      .then(
        (value) => active && setJob(value),
        (failure: unknown) => active && setError(redactSecrets(messageOf(failure))),
      );
    return () => {
      active = false;
    };
  }, [makeJob]);

  useEffect(() => () => controller.abort('SIGINT'), [controller]);

  useInput((input, key) => {
    if (!result && !error) return;
    if (key.return || key.escape || input === 'q') {
      onDone(error ? `${title}: ${error}` : result ? describeJobResult(title, result) : undefined);
    }
  });

  return (
    <Box flexDirection="column">
      {job ? null : (
        // While the job is being made (or could not be): once it runs, its heading is drawn above
        // its finished steps by the job view.
        <Text bold wrap="truncate-end" {...(color ? { color: 'cyan' } : {})}>
          {title}
        </Text>
      )}
      {error ? (
        <Text wrap="wrap" {...(color ? { color: 'red' } : {})}>
          {error}
        </Text>
      ) : null}
      {job ? (
        <JobApp
          job={job}
          controller={controller}
          onDone={finished}
          exitWhenDone={false}
          heading={color ? { text: title, color: 'cyan' } : { text: title }}
        />
      ) : null}
      {result || error ? (
        <Text wrap="truncate-end" {...(color ? { color: 'gray' } : {})}>
          Enter or Esc: back to home
        </Text>
      ) : null}
    </Box>
  );
}

export function menuItem(id: TaskId): MenuItem {
  const item = menuItems.find((entry) => entry.id === id);
  if (!item) throw new Error(`no menu item ${id}`);
  return item;
}
