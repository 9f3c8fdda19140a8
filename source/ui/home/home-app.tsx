import { useApp } from 'ink';
import { useEffect, useReducer, useState } from 'react';
import { messageOf } from '../../errors.ts';
import type { HomeStatus } from '../../monitoring/home-status.ts';
import { redactSecrets } from '../../secrets/redact.ts';
import { useTerminalSize } from '../use-terminal-size.ts';
import { homeReducer, initialHomeState, menuItems, type TaskId } from './home-model.ts';
import { HomeScreen } from './home-screen.tsx';
import { menuItem, type TaskRegistry } from './tasks.tsx';
import { useHomeKeys } from './use-home-keys.ts';

export type HomeAppProps = {
  load(signal: AbortSignal): Promise<HomeStatus>;
  tasks: TaskRegistry;
  color: boolean;
  refreshMs?: number;
  maxAgeMs?: number;
  /** Called before home is drawn again after a task (the terminal clears the task's output). */
  onReturnHome?(): void;
  /** Called once when the operator leaves home (q, Esc, Ctrl-C or Quit). */
  onQuit?(): void;
  /**
   * Tasks that run as a whole command outside home (restore, backup, cifs): home unmounts and
   * calls `onFlow`; the caller runs the command and opens home again.
   */
  flows?: ReadonlySet<TaskId>;
  onFlow?(task: TaskId): void;
  /** A line about what happened before home opened, e.g. the result of a flow. */
  initialNote?: string;
  /** The status last shown, so home reopens without a blank "reading status…" screen. */
  initialStatus?: { status: HomeStatus; at: number };
  /** The menu entry to start on, e.g. the task that just ran. */
  initialTask?: TaskId;
};

/** The home screen and the tasks it opens; status refreshes while home is shown. */
export function HomeApp({
  load,
  tasks,
  color,
  refreshMs = 5000,
  maxAgeMs,
  onReturnHome,
  onQuit,
  flows,
  onFlow,
  initialNote,
  initialStatus,
  initialTask,
}: HomeAppProps) {
  const { exit } = useApp();
  const [state, dispatch] = useReducer(homeReducer, undefined, () => ({
    ...initialHomeState,
    ...(initialNote ? { note: initialNote } : {}),
    ...(initialStatus ? { status: initialStatus.status, statusAt: initialStatus.at } : {}),
    cursor: Math.max(
      0,
      menuItems.findIndex((item) => item.id === initialTask),
    ),
  }));
  const [now, setNow] = useState(() => Date.now());
  const { columns, rows } = useTerminalSize();
  const onHome = state.phase.kind === 'home';

  useEffect(() => {
    if (!onHome) return;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const refresh = async () => {
      try {
        const status = await load(controller.signal);
        if (controller.signal.aborted) return;
        dispatch({ type: 'status-loaded', status, at: Date.now() });
      } catch (error) {
        if (controller.signal.aborted) return;
        dispatch({ type: 'status-failed', error: redactSecrets(messageOf(error)) });
      }
      setNow(Date.now());
      timer = setTimeout(refresh, refreshMs);
    };
    void refresh();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [onHome, load, refreshMs]);

  useEffect(() => {
    if (state.phase.kind !== 'quit') return;
    onQuit?.();
    exit();
  }, [state.phase, exit, onQuit]);

  const flow =
    state.phase.kind === 'task' && flows?.has(state.phase.task) ? state.phase.task : undefined;
  useEffect(() => {
    if (!flow) return;
    onFlow?.(flow);
    exit();
  }, [flow, onFlow, exit]);

  // A menu entry with neither a screen nor a flow (a partial registry) returns home at once.
  const missing =
    state.phase.kind === 'task' && !tasks[state.phase.task] && !flows?.has(state.phase.task)
      ? menuItem(state.phase.task)
      : undefined;
  useEffect(() => {
    if (missing)
      dispatch({
        type: 'task-done',
        note: `${missing.label} runs from a shell: ${missing.command}`,
      });
  }, [missing]);

  useHomeKeys(state, dispatch);

  if (flow) return null;
  if (state.phase.kind === 'task') {
    const id = state.phase.task;
    const Task = tasks[id];
    const onDone = (note?: string) => {
      onReturnHome?.();
      dispatch({ type: 'task-done', ...(note ? { note } : {}) });
    };
    return Task ? <Task onDone={onDone} color={color} /> : null;
  }
  return (
    <HomeScreen
      state={state}
      now={now}
      width={columns}
      rows={rows}
      color={color}
      {...(maxAgeMs === undefined ? {} : { maxAgeMs })}
    />
  );
}
