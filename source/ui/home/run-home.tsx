import { render } from 'ink';
import { findCommand } from '../../cli/commands.ts';
import type { CommandContext } from '../../cli/context.ts';
import { startSteps } from '../../commands/start.ts';
import { stopSteps } from '../../commands/stop.ts';
import type { Compose } from '../../compose/compose.ts';
import { exitCodeOf, messageOf } from '../../errors.ts';
import type { Job } from '../../jobs/job.ts';
import { redactSecrets } from '../../secrets/redact.ts';
import { inkOptions } from '../ink-options.ts';
import { defaultSources } from './default-sources.ts';
import { HomeApp } from './home-app.tsx';
import type { TaskId } from './home-model.ts';
import { type HomeStatus, loadHomeStatus } from './home-status.ts';
import { ScheduleTask } from './schedule-task.tsx';
import { JobTask, type TaskRegistry, type TaskScreenProps } from './tasks.tsx';

/** Tasks that render inside home; backup, restore and cifs run as flows (below). */
export function defaultTasks(
  compose: Compose,
  context: Pick<CommandContext, 'paths'>,
): TaskRegistry {
  const startJob = (): Job => ({
    title: 'Start services',
    steps: startSteps(compose, context.paths.stateDir),
    describeState: (stoppedAt) =>
      stoppedAt === 'check-restore'
        ? 'nothing was started'
        : 'some services may be running; the home screen shows which',
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
    schedule: (props: TaskScreenProps) => (
      <ScheduleTask cronDir={context.paths.cronDir} {...props} />
    ),
  };
}

// The home screen owns the whole terminal (alternate screen, as less or htop do): the operator's
// scrollback is untouched, and a task's log is cleared when home comes back.
const enterAlternateScreen = '\u001B[?1049h\u001B[H';
const leaveAlternateScreen = '\u001B[?1049l';
const clearScreen = '\u001B[2J\u001B[3J\u001B[H';

/** Menu entries that run their whole command (with its own screens) while home is closed. */
const flowCommands: Partial<Record<TaskId, { command: string; label: string }>> = {
  backup: { command: 'backup', label: 'Back up now' },
  restore: { command: 'restore', label: 'Restore' },
  drill: { command: 'drill', label: 'Test a dump (drill)' },
  cifs: { command: 'cifs', label: 'CIFS shares' },
};

function waitForAnyKey(stdin: NodeJS.ReadStream): Promise<void> {
  return new Promise((resolve) => {
    const raw = stdin.isTTY === true;
    if (raw) stdin.setRawMode(true);
    // Ink unrefs stdin when it unmounts; without a ref the process would exit while waiting here.
    stdin.ref();
    stdin.resume();
    stdin.once('data', () => {
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      stdin.unref();
      resolve();
    });
  });
}

async function runFlow(task: TaskId, context: CommandContext): Promise<string> {
  const flow = flowCommands[task];
  const spec = flow ? findCommand(flow.command) : undefined;
  if (!flow || !spec) return `${task}: not available`;
  const options: CommandContext['options'] = {};
  for (const name of ['compose-file', 'no-color'] as const) {
    const value = context.options[name];
    if (value !== undefined) options[name] = value;
  }
  let code: number;
  try {
    code = await (await spec.load()).run({ ...context, command: flow.command, args: [], options });
  } catch (error) {
    const message = redactSecrets(messageOf(error));
    context.io.stdout.write(`\n${message}\n`);
    code = exitCodeOf(error);
  }
  context.io.stdout.write('\nPress any key to return to the home screen.');
  await waitForAnyKey(context.io.stdin as NodeJS.ReadStream);
  return code === 0 ? `${flow.label}: done` : `${flow.label}: ended with exit code ${code}`;
}

export async function runHome(options: {
  compose: Compose;
  context: CommandContext;
  maxAgeMs?: number;
  tasks?: TaskRegistry;
}): Promise<void> {
  const { compose, context } = options;
  const stdout = context.io.stdout as NodeJS.WriteStream;
  const sources = defaultSources(compose, context.paths);
  let latest: { status: HomeStatus; at: number } | undefined;
  const load = async (signal: AbortSignal) => {
    const status = await loadHomeStatus(sources, signal);
    latest = { status, at: Date.now() };
    return status;
  };
  const flows = new Set(Object.keys(flowCommands) as TaskId[]);
  let note: string | undefined;
  let requested: TaskId | undefined;
  stdout.write(enterAlternateScreen);
  try {
    for (;;) {
      const previous = requested;
      requested = undefined;
      const instance = render(
        <HomeApp
          load={load}
          tasks={options.tasks ?? defaultTasks(compose, context)}
          color={context.color}
          onReturnHome={() => stdout.write(clearScreen)}
          flows={flows}
          onFlow={(task) => {
            requested = task;
          }}
          {...(note ? { initialNote: note } : {})}
          {...(latest ? { initialStatus: latest } : {})}
          {...(previous ? { initialTask: previous } : {})}
          {...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs })}
        />,
        inkOptions(context.io),
      );
      await instance.waitUntilExit();
      if (!requested) return;
      stdout.write(clearScreen);
      note = await runFlow(requested, context);
      stdout.write(clearScreen);
    }
  } finally {
    stdout.write(leaveAlternateScreen);
  }
}
