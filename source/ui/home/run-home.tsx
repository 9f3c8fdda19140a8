import { render } from 'ink';
import type { CommandContext } from '../../cli/context.ts';
import { startSteps } from '../../commands/start.ts';
import { stopSteps } from '../../commands/stop.ts';
import type { Compose } from '../../compose/compose.ts';
import type { Job } from '../../jobs/job.ts';
import { defaultSources } from './default-sources.ts';
import { HomeApp } from './home-app.tsx';
import { loadHomeStatus } from './home-status.ts';
import { JobTask, type TaskRegistry, type TaskScreenProps } from './tasks.tsx';

/** The tasks of this build; the lead adds backup, restore, cifs and schedule after merging. */
export function defaultTasks(compose: Compose): TaskRegistry {
  const startJob = (): Job => ({
    title: 'Start services',
    steps: startSteps(compose),
    describeState: () => 'some services may be running; the home screen shows which',
  });
  const stopJob = (): Job => ({
    title: 'Stop services',
    steps: stopSteps(compose),
    describeState: () => 'some services may still run; the home screen shows which',
    successSummary: () => 'services stopped, data kept',
  });
  return {
    start: (props: TaskScreenProps) => (
      <JobTask title="Start services" makeJob={startJob} {...props} />
    ),
    stop: (props: TaskScreenProps) => (
      <JobTask title="Stop services" makeJob={stopJob} {...props} />
    ),
  };
}

// The home screen owns the whole terminal (alternate screen, as less or htop do): the operator's
// scrollback is untouched, and a task's log is cleared when home comes back.
const enterAlternateScreen = '\u001B[?1049h\u001B[H';
const leaveAlternateScreen = '\u001B[?1049l';
const clearScreen = '\u001B[2J\u001B[3J\u001B[H';

export async function runHome(options: {
  compose: Compose;
  context: CommandContext;
  maxAgeMs?: number;
  tasks?: TaskRegistry;
}): Promise<void> {
  const { compose, context } = options;
  const stdout = context.io.stdout as NodeJS.WriteStream;
  const sources = defaultSources(compose, context.paths);
  const load = (signal: AbortSignal) => loadHomeStatus(sources, signal);
  stdout.write(enterAlternateScreen);
  try {
    const instance = render(
      <HomeApp
        load={load}
        tasks={options.tasks ?? defaultTasks(compose)}
        color={context.color}
        onReturnHome={() => stdout.write(clearScreen)}
        {...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs })}
      />,
      {
        stdout,
        stdin: context.io.stdin as NodeJS.ReadStream,
        stderr: context.io.stderr as NodeJS.WriteStream,
        exitOnCtrlC: false,
        patchConsole: false,
      },
    );
    await instance.waitUntilExit();
  } finally {
    stdout.write(leaveAlternateScreen);
  }
}
