import { Box, Text, useApp } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { DumpFile } from '../../dumps/list-dumps.ts';
import { exitCodeOf, messageOf, signalExitCode } from '../../errors.ts';
import { childController } from '../../jobs/child-controller.ts';
import type { Job, JobResult } from '../../jobs/job.ts';
import type { RestorePlan } from '../../restore/preflight.ts';
import { JobApp } from '../job-app.tsx';
import { useTerminalSize } from '../use-terminal-size.ts';
import { initialRestoreState, restoreReducer } from './restore-state.ts';
import {
  CheckView,
  ConfirmScreen,
  DoneView,
  DumpPicker,
  LoadingView,
  StartQuestion,
} from './restore-views.tsx';
import { useRestoreKeys } from './use-restore-keys.ts';

/** The side effects the screen asks for; the command passes real ones, tests pass fakes. */
export type RestoreServices = {
  listDumps(signal: AbortSignal): Promise<DumpFile[]>;
  preflight(
    dump: DumpFile | string,
    onStatus: (line: string) => void,
    signal: AbortSignal,
  ): Promise<RestorePlan>;
  restoreJob(plan: RestorePlan): Job;
  /** The beside restore (issue 18): load next to the live database, switch in seconds. */
  besideJob(plan: RestorePlan): Job;
  startJob(): Job;
};

export type RestoreAppProps = {
  services: RestoreServices;
  file?: string | undefined;
  start?: boolean | undefined;
  now?: number;
  onExit(exitCode: number): void;
  /** Aborted on Ctrl-C outside a job (listing, check). */
  controller: AbortController;
};

export function RestoreApp({ services, file, start, now, onExit, controller }: RestoreAppProps) {
  const { exit } = useApp();
  const [state, dispatch] = useReducer(restoreReducer, { file, start }, initialRestoreState);
  const clock = now ?? Date.now();
  const { columns } = useTerminalSize();
  const { phase } = state;

  useEffect(() => {
    if (phase.kind !== 'loading') return;
    services.listDumps(controller.signal).then(
      (dumps) => dispatch({ type: 'dumps-loaded', dumps }),
      (error: unknown) =>
        dispatch({ type: 'failed', message: messageOf(error), exitCode: exitCodeOf(error) }),
    );
  }, [phase.kind, services, controller]);

  const checking = phase.kind === 'check' ? phase.dump : undefined;
  useEffect(() => {
    if (checking === undefined) return;
    let active = true;
    // The check's own controller: Esc (leaving the check phase) aborts it, so the dump's read in
    // the container is killed instead of running on in the background; a signal aborts it too.
    const check = childController(controller.signal);
    let settled = false;
    services
      .preflight(
        checking,
        (line) => active && dispatch({ type: 'check-status', line }),
        check.controller.signal,
      )
      .finally(() => {
        settled = true;
      })
      .then(
        (plan) => active && dispatch({ type: 'checked', plan }),
        (error: unknown) =>
          active &&
          dispatch({ type: 'failed', message: messageOf(error), exitCode: exitCodeOf(error) }),
      );
    return () => {
      active = false;
      check.dispose();
      if (!settled) check.controller.abort('check left');
    };
  }, [checking, services, controller]);

  // One job object and one controller per run: JobApp restarts its job when they change.
  const runPlan = phase.kind === 'run' ? phase.plan : undefined;
  const runMode = phase.kind === 'run' ? phase.mode : undefined;
  const restoreJob = useMemo(() => {
    if (!runPlan) return undefined;
    return runMode === 'beside' ? services.besideJob(runPlan) : services.restoreJob(runPlan);
  }, [runPlan, runMode, services]);
  const starting = phase.kind === 'start';
  const startJob = useMemo(
    () => (starting ? services.startJob() : undefined),
    [starting, services],
  );
  const runController = useRef(controller);
  const onRunDone = useCallback(
    (result: JobResult) => dispatch({ type: 'run-finished', result }),
    [],
  );
  const onStartDone = useCallback(
    (result: JobResult) => dispatch({ type: 'start-finished', result }),
    [],
  );
  const startController = useMemo(() => (starting ? new AbortController() : undefined), [starting]);

  // A signal (kill, SSH hang-up) ends every phase: a running job aborts and cleans up, a question
  // or the picker is cancelled (nothing was destroyed yet). Checked again on every phase change: a
  // run that succeeded just as the signal came must not wait at the start question.
  const kind = phase.kind;
  useEffect(() => {
    if (kind === 'done') return;
    const { signal } = controller;
    const onAbort = () => {
      startController?.abort(signal.reason);
      dispatch({ type: 'quit', exitCode: signalExitCode(signal.reason) });
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }, [kind, controller, startController]);

  useEffect(() => {
    if (phase.kind !== 'done') return;
    onExit(phase.exitCode);
    const timer = setTimeout(() => exit(), 30);
    return () => clearTimeout(timer);
  }, [phase, onExit, exit]);

  useRestoreKeys(state, dispatch, controller);

  switch (phase.kind) {
    case 'loading':
      return <LoadingView />;
    case 'pick':
      return <DumpPicker state={state} now={clock} width={columns} />;
    case 'check':
      return <CheckView phase={phase} />;
    case 'confirm':
      return (
        <ConfirmScreen
          plan={phase.plan}
          mode={phase.mode}
          typed={phase.typed}
          mismatch={phase.mismatch}
          now={clock}
          width={columns}
        />
      );
    case 'run':
      return restoreJob ? (
        <JobApp
          job={restoreJob}
          controller={runController.current}
          onDone={onRunDone}
          exitWhenDone={false}
        />
      ) : null;
    case 'ask-start':
      return (
        <Box flexDirection="column">
          <Text color="green" wrap="wrap">
            {phase.result.state ?? 'Database restored.'}
          </Text>
          <StartQuestion answer={phase.answer} />
        </Box>
      );
    case 'start':
      return startJob && startController ? (
        <JobApp
          job={startJob}
          controller={startController}
          onDone={onStartDone}
          exitWhenDone={false}
        />
      ) : null;
    case 'done':
      return <DoneView lines={phase.lines} />;
  }
}
