import { Box, Text, useApp, useInput } from 'ink';
import Spinner from 'ink-spinner';
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { DumpFile } from '../../dumps/list-dumps.ts';
import { exitCodeOf, messageOf, signalExitCode } from '../../errors.ts';
import { formatAge, formatBytes, formatTimestamp } from '../../format.ts';
import type { Job, JobResult } from '../../jobs/job.ts';
import { planLines } from '../../restore/plan-lines.ts';
import type { RestorePlan } from '../../restore/restore-job.ts';
import { JobApp } from '../job-app.tsx';
import {
  initialRestoreState,
  type RestoreAction,
  type RestoreState,
  restoreReducer,
  visibleDumps,
} from './restore-state.ts';

/** The side effects the screen asks for; the command passes real ones, tests pass fakes. */
export type RestoreServices = {
  listDumps(signal: AbortSignal): Promise<DumpFile[]>;
  preflight(
    dump: DumpFile | string,
    onStatus: (line: string) => void,
    signal: AbortSignal,
  ): Promise<RestorePlan>;
  restoreJob(plan: RestorePlan): Job;
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

const pageSize = 10;

export function DumpPicker({ state, now }: { state: RestoreState; now: number }) {
  const dumps = visibleDumps(state);
  const first = Math.max(0, Math.min(state.cursor - pageSize + 1, dumps.length - pageSize));
  const page = dumps.slice(Math.max(0, first), Math.max(0, first) + pageSize);
  return (
    <Box flexDirection="column">
      <Text bold>Restore: pick a dump from the backup share (newest first)</Text>
      <Text>
        Filter: {state.filter}
        <Text dimColor>{state.filter === '' ? '(type to filter)' : ''}</Text>
      </Text>
      {state.dumps.length === 0 ? <Text color="yellow">No dumps in /mnt/backup.</Text> : null}
      {state.dumps.length > 0 && dumps.length === 0 ? (
        <Text color="yellow">No dump matches "{state.filter}".</Text>
      ) : null}
      {page.map((dump) => {
        const selected = dumps.indexOf(dump) === state.cursor;
        return (
          <Text key={dump.name} wrap="truncate-end" {...(selected ? { color: 'cyan' } : {})}>
            {selected ? '› ' : '  '}
            {dump.name.padEnd(32)} {formatBytes(dump.sizeBytes).padStart(8)}{' '}
            {formatTimestamp(dump.modifiedMs).slice(0, 16)} {formatAge(now - dump.modifiedMs)} ago
          </Text>
        );
      })}
      {dumps.length > pageSize ? <Text dimColor>{dumps.length} dumps; ↑/↓ to scroll</Text> : null}
      {state.error ? (
        <Text color="red" wrap="wrap">
          Refused: {state.error}
        </Text>
      ) : null}
      <Text dimColor>↑/↓ choose · Enter check this dump · Esc leave</Text>
    </Box>
  );
}

export function ConfirmScreen({
  plan,
  typed,
  mismatch,
  now,
}: {
  plan: RestorePlan;
  typed: string;
  mismatch: boolean;
  now: number;
}) {
  return (
    <Box flexDirection="column">
      <Text bold color="red">
        Restore will DESTROY the current database
      </Text>
      {planLines(plan, now).map((line) => (
        <Text key={line} wrap="wrap">
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="wrap">
        Type the dump's name <Text bold>{plan.dump.name}</Text> and press Enter to go on.
      </Text>
      <Text>
        {'> '}
        {typed}
        <Text inverse> </Text>
      </Text>
      {mismatch ? (
        <Text color="yellow">That is not the dump's name: nothing was done. Type it exactly.</Text>
      ) : null}
      <Text dimColor>Enter alone or Esc cancels</Text>
    </Box>
  );
}

function StartQuestion({ answer }: { answer: boolean }) {
  return (
    <Box flexDirection="column">
      <Text>Start Orthanc now?</Text>
      <Text dimColor wrap="wrap">
        Leave it stopped if the image files still have to be put back on the images share; "ovena
        start" starts it later.
      </Text>
      <Text>
        <Text {...(answer ? { color: 'cyan' } : {})}>{answer ? '› ' : '  '}Start Orthanc now</Text>
        {'   '}
        <Text {...(!answer ? { color: 'cyan' } : {})}>{!answer ? '› ' : '  '}Leave it stopped</Text>
      </Text>
      <Text dimColor>←/→ choose · Enter confirm · y/n</Text>
    </Box>
  );
}

function keyToAction(
  state: RestoreState,
  input: string,
  key: {
    escape: boolean;
    return: boolean;
    upArrow: boolean;
    downArrow: boolean;
    leftArrow: boolean;
    rightArrow: boolean;
    backspace: boolean;
    delete: boolean;
    ctrl: boolean;
    tab: boolean;
  },
): RestoreAction | undefined {
  const kind = state.phase.kind;
  if (key.escape) return { type: 'back' };
  if (kind === 'pick') {
    if (key.upArrow) return { type: 'move', delta: -1 };
    if (key.downArrow) return { type: 'move', delta: 1 };
    if (key.return) return { type: 'pick' };
    if (key.backspace || key.delete) return { type: 'filter-erase' };
    if (input && !key.ctrl && !key.tab && /^[\x20-\x7e]+$/.test(input))
      return { type: 'filter-type', text: input };
  }
  if (kind === 'confirm') {
    if (key.return) return { type: 'confirm-submit' };
    if (key.backspace || key.delete) return { type: 'confirm-erase' };
    if (input && !key.ctrl && !key.tab && /^[\x20-\x7e]+$/.test(input))
      return { type: 'confirm-type', text: input };
  }
  if (kind === 'ask-start') {
    if (key.leftArrow || key.rightArrow || key.tab) return { type: 'answer-toggle' };
    if (key.return) return { type: 'answer-submit' };
    if (input === 'y' || input === 'Y') return { type: 'answer-submit', answer: true };
    if (input === 'n' || input === 'N') return { type: 'answer-submit', answer: false };
  }
  return undefined;
}

export function RestoreApp({ services, file, start, now, onExit, controller }: RestoreAppProps) {
  const { exit } = useApp();
  const [state, dispatch] = useReducer(restoreReducer, { file, start }, initialRestoreState);
  const clock = now ?? Date.now();
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
    services
      .preflight(
        checking,
        (line) => active && dispatch({ type: 'check-status', line }),
        controller.signal,
      )
      .then(
        (plan) => active && dispatch({ type: 'checked', plan }),
        (error: unknown) =>
          active &&
          dispatch({ type: 'failed', message: messageOf(error), exitCode: exitCodeOf(error) }),
      );
    return () => {
      active = false;
    };
  }, [checking, services, controller]);

  // One job object and one controller per run: JobApp restarts its job when they change.
  const runPlan = phase.kind === 'run' ? phase.plan : undefined;
  const restoreJob = useMemo(
    () => (runPlan ? services.restoreJob(runPlan) : undefined),
    [runPlan, services],
  );
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

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      // Jobs handle Ctrl-C themselves (abort and clean up); elsewhere nothing was destroyed yet.
      if (phase.kind === 'run' || phase.kind === 'start') return;
      controller.abort('SIGINT');
      dispatch({ type: 'quit' });
      return;
    }
    // Pasted text (or fast typing over SSH) can arrive with the Enter in the same chunk.
    const lineEnd = input.search(/[\r\n]/);
    if (lineEnd >= 0 && !key.return && (phase.kind === 'pick' || phase.kind === 'confirm')) {
      const before = input.slice(0, lineEnd);
      if (before !== '') {
        const typed = keyToAction(state, before, { ...key, return: false });
        if (typed) dispatch(typed);
      }
      dispatch({ type: phase.kind === 'pick' ? 'pick' : 'confirm-submit' });
      return;
    }
    const action = keyToAction(state, input, key);
    if (action) dispatch(action);
  });

  switch (phase.kind) {
    case 'loading':
      return (
        <Text>
          <Spinner type="dots" /> Listing the dumps in /mnt/backup…
        </Text>
      );
    case 'pick':
      return <DumpPicker state={state} now={clock} />;
    case 'check':
      return (
        <Box flexDirection="column">
          <Text>
            <Spinner type="dots" /> Checking{' '}
            {typeof phase.dump === 'string' ? phase.dump : phase.dump.name} before anything is
            changed…
          </Text>
          {phase.lines.map((line) => (
            <Text key={line} dimColor wrap="truncate-end">
              {'  '}
              {line}
            </Text>
          ))}
          <Text dimColor>Esc cancels</Text>
        </Box>
      );
    case 'confirm':
      return (
        <ConfirmScreen
          plan={phase.plan}
          typed={phase.typed}
          mismatch={phase.mismatch}
          now={clock}
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
      return (
        <Box flexDirection="column">
          {phase.lines.map((line) => (
            <Text key={line} wrap="wrap">
              {line}
            </Text>
          ))}
        </Box>
      );
  }
}
