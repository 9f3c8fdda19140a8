import { render } from 'ink';
import type { Compose } from '../../compose/compose.ts';
import type { CommandContext } from '../../context.ts';
import { exitCodeOf, messageOf, signalExitCode } from '../../errors.ts';
import { imagesCheckJob } from '../../images/check-job.ts';
import { startJob } from '../../lifecycle/start.ts';
import { stopJob } from '../../lifecycle/stop.ts';
import { type HomeStatus, loadHomeStatus } from '../../monitoring/home-status.ts';
import { defaultSources } from '../../monitoring/sources.ts';
import { describeSchedule, readSchedule, setSchedule } from '../../schedule/schedule.ts';
import { redactSecrets } from '../../secrets/redact.ts';
import { HistoryTask } from '../history/history-task.tsx';
import { inkOptions } from '../ink-options.ts';
import { HomeApp } from './home-app.tsx';
import type { TaskId } from './home-model.ts';
import { type ScheduleService, ScheduleTask } from './schedule-task.tsx';
import { JobTask, type TaskRegistry, type TaskScreenProps } from './tasks.tsx';

/** The schedule screen's service: the same moves as `ovena schedule`, on the cron directory. */
export function cronScheduleService(cronDir: string): ScheduleService {
  return {
    describe: async () => describeSchedule(await readSchedule(cronDir)),
    change: async (schedule) => {
      const change = await setSchedule(cronDir, schedule);
      return change.changed
        ? `Backup schedule: ${change.after.schedule} (was ${change.before.schedule})`
        : `Backup schedule unchanged: ${change.after.schedule}`;
    },
  };
}

/** Tasks that render inside home; backup, restore and cifs run as flows (below). */
export function defaultTasks(
  compose: Compose,
  context: Pick<CommandContext, 'paths'>,
): TaskRegistry {
  const whereToLook = 'the home screen shows which';
  const makeStartJob = () => startJob(compose, context.paths.stateDir, whereToLook);
  const makeStopJob = () => stopJob(compose, context.paths.stateDir, whereToLook);
  const scheduleService = cronScheduleService(context.paths.cronDir);
  return {
    start: (props: TaskScreenProps) => (
      <JobTask title="Start services" makeJob={makeStartJob} {...props} />
    ),
    stop: (props: TaskScreenProps) => (
      <JobTask title="Stop services" makeJob={makeStopJob} {...props} />
    ),
    images: (props: TaskScreenProps) => (
      <JobTask
        title="Check image files"
        makeJob={() => imagesCheckJob(compose, context.paths.stateDir)}
        {...props}
      />
    ),
    schedule: (props: TaskScreenProps) => <ScheduleTask service={scheduleService} {...props} />,
    history: (props: TaskScreenProps) => (
      <HistoryTask stateDir={context.paths.stateDir} {...props} />
    ),
  };
}

// The home screen owns the whole terminal (alternate screen, as less or htop do): the operator's
// scrollback is untouched, and a task's log is cleared when home comes back.
const enterAlternateScreen = '\u001B[?1049h\u001B[H';
const leaveAlternateScreen = '\u001B[?1049l';
const clearScreen = '\u001B[2J\u001B[3J\u001B[H';

/** Menu entries that run their whole command (with its own screens) while home is closed. */
const flowCommands: Partial<
  Record<TaskId, { command: string; label: string; options?: CommandContext['options'] }>
> = {
  backup: { command: 'backup', label: 'Back up now' },
  restore: { command: 'restore', label: 'Restore' },
  drill: { command: 'drill', label: 'Test a dump (drill)' },
  cifs: { command: 'cifs', label: 'CIFS shares' },
  // The policy and its dry run; a policy that waits for confirmation can be confirmed there.
  retention: { command: 'prune', label: 'Retention', options: { 'dry-run': true } },
};

/** Runs a whole command (as `ovena COMMAND` would) in the given context; passed in by the command. */
export type CommandRunner = (command: string, context: CommandContext) => Promise<number>;

function waitForAnyKey(stdin: NodeJS.ReadStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const raw = stdin.isTTY === true;
    if (raw) stdin.setRawMode(true);
    // Ink unrefs stdin when it unmounts; without a ref the process would exit while waiting here.
    stdin.ref();
    stdin.resume();
    const done = () => {
      stdin.off('data', done);
      signal.removeEventListener('abort', done);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      stdin.unref();
      resolve();
    };
    stdin.once('data', done);
    signal.addEventListener('abort', done, { once: true });
    if (signal.aborted) done();
  });
}

async function runFlow(
  task: TaskId,
  context: CommandContext,
  runCommand: CommandRunner,
): Promise<string> {
  const flow = flowCommands[task];
  if (!flow) return `${task}: not available`;
  const options: CommandContext['options'] = { ...flow.options };
  for (const name of ['compose-file', 'no-color'] as const) {
    const value = context.options[name];
    if (value !== undefined) options[name] = value;
  }
  let code: number;
  try {
    code = await runCommand(flow.command, { ...context, command: flow.command, args: [], options });
  } catch (error) {
    const message = redactSecrets(messageOf(error));
    context.io.stdout.write(`\n${message}\n`);
    code = exitCodeOf(error);
  }
  context.io.stdout.write('\nPress any key to return to the home screen.');
  await waitForAnyKey(context.io.stdin as NodeJS.ReadStream, context.signal);
  return code === 0 ? `${flow.label}: done` : `${flow.label}: ended with exit code ${code}`;
}

export async function runHome(options: {
  compose: Compose;
  context: CommandContext;
  runCommand: CommandRunner;
  maxAgeMs?: number;
  /** The settings file cannot be used: shown first among the screen's problems. */
  settingsProblem?: string;
  tasks?: TaskRegistry;
}): Promise<number | undefined> {
  const { compose, context } = options;
  const stdout = context.io.stdout as NodeJS.WriteStream;
  const sources = defaultSources(compose, context.paths);
  let latest: { status: HomeStatus; at: number } | undefined;
  const load = async (signal: AbortSignal) => {
    const status = await loadHomeStatus(sources, signal);
    if (options.settingsProblem) status.problems.unshift(options.settingsProblem);
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
      // SIGINT, SIGTERM or SIGHUP (cli/signals.ts): close the screen and exit with its code.
      const onAbort = () => instance.unmount();
      context.signal.addEventListener('abort', onAbort, { once: true });
      if (context.signal.aborted) onAbort();
      try {
        await instance.waitUntilExit();
      } finally {
        context.signal.removeEventListener('abort', onAbort);
      }
      if (context.signal.aborted) return signalExitCode(context.signal.reason);
      if (!requested) return undefined;
      stdout.write(clearScreen);
      note = await runFlow(requested, context, options.runCommand);
      if (context.signal.aborted) return signalExitCode(context.signal.reason);
      stdout.write(clearScreen);
    }
  } finally {
    stdout.write(leaveAlternateScreen);
  }
}
