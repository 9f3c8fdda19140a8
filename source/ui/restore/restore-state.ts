import type { DumpFile } from '../../dumps/list-dumps.ts';
import type { JobResult } from '../../jobs/job.ts';
import type { RestorePlan } from '../../restore/preflight.ts';

/** From scratch (destroy, fresh database, load) or beside the live database (issue 18). */
export type RestoreMode = 'scratch' | 'beside';

/**
 * The restore screen as a pure reducer. Phases: pick a dump, check it (preflight), choose the
 * mode and confirm (from scratch: type the dump's name; beside: type yes), run, ask whether to
 * start Orthanc (from scratch only), start it, done. Only the `confirm-submit` action with the
 * exact text moves to `run`: no job ever starts from the list.
 */
export type RestorePhase =
  | { kind: 'loading' }
  | { kind: 'pick' }
  | { kind: 'check'; dump: DumpFile | string; lines: string[] }
  | { kind: 'confirm'; plan: RestorePlan; mode: RestoreMode; typed: string; mismatch: boolean }
  | { kind: 'run'; plan: RestorePlan; mode: RestoreMode }
  | { kind: 'ask-start'; plan: RestorePlan; result: JobResult; answer: boolean }
  | { kind: 'start'; plan: RestorePlan; result: JobResult }
  | { kind: 'done'; exitCode: number; lines: string[] };

export type RestoreState = {
  phase: RestorePhase;
  dumps: DumpFile[];
  filter: string;
  cursor: number;
  /** Shown on the picker, e.g. why the last dump was refused. */
  error: string | undefined;
  /** Set when the dump came from --file: cancelling ends the command instead of going back. */
  fixedDump: boolean;
  /** --start / --no-start: skips the question. */
  startAnswer: boolean | undefined;
};

export type RestoreAction =
  | { type: 'dumps-loaded'; dumps: DumpFile[] }
  | { type: 'filter-type'; text: string }
  | { type: 'filter-erase' }
  | { type: 'move'; delta: number }
  | { type: 'pick' }
  | { type: 'back' }
  | { type: 'check-status'; line: string }
  | { type: 'checked'; plan: RestorePlan }
  | { type: 'failed'; message: string; exitCode: number }
  | { type: 'mode-toggle' }
  | { type: 'confirm-type'; text: string }
  | { type: 'confirm-erase' }
  | { type: 'confirm-submit' }
  | { type: 'run-finished'; result: JobResult }
  | { type: 'answer-toggle' }
  | { type: 'answer-submit'; answer?: boolean }
  | { type: 'start-finished'; result: JobResult }
  | { type: 'quit'; exitCode?: number };

export function initialRestoreState(options: {
  file: string | undefined;
  start: boolean | undefined;
}): RestoreState {
  return {
    phase: options.file ? { kind: 'check', dump: options.file, lines: [] } : { kind: 'loading' },
    dumps: [],
    filter: '',
    cursor: 0,
    error: undefined,
    fixedDump: options.file !== undefined,
    startAnswer: options.start,
  };
}

export function visibleDumps(state: Pick<RestoreState, 'dumps' | 'filter'>): DumpFile[] {
  const filter = state.filter.toLowerCase();
  return filter === ''
    ? state.dumps
    : state.dumps.filter((dump) => dump.name.toLowerCase().includes(filter));
}

const cancelled = (): RestorePhase => ({
  kind: 'done',
  exitCode: 0,
  lines: ['Restore cancelled: nothing was changed.'],
});

/** A finished job's outcome in words (the job view is gone once the next phase shows). */
export function resultLines(result: JobResult): string[] {
  if (result.outcome === 'succeeded') return result.state ? [result.state] : [];
  const verb = result.outcome === 'interrupted' ? 'Interrupted during' : 'Failed at';
  return [
    `${verb} "${result.stoppedAt?.title ?? '?'}"${result.outcome === 'failed' && result.error ? `: ${result.error}` : ''}`,
    ...(result.state ? [`State: ${result.state}`] : []),
  ];
}

/** The mode the confirmation preselects: beside when it is possible (issue 18's defaults). */
export function recommendedMode(plan: RestorePlan): RestoreMode {
  return plan.beside?.possible ? 'beside' : 'scratch';
}

/** What the operator types to confirm: the dump's name from scratch, "yes" beside. */
export function confirmWord(plan: RestorePlan, mode: RestoreMode): string {
  return mode === 'beside' ? 'yes' : plan.dump.name;
}

/** Whether the typed text confirms: the exact dump name, or "yes" in any case beside. */
function confirmedBy(typed: string, plan: RestorePlan, mode: RestoreMode): boolean {
  const text = mode === 'beside' ? typed.trim().toLowerCase() : typed.trim();
  return text === confirmWord(plan, mode);
}

function afterRun(
  state: RestoreState,
  plan: RestorePlan,
  mode: RestoreMode,
  result: JobResult,
): RestoreState {
  // Beside: the job's switch started Orthanc (or left it stopped with --no-start); no question.
  if (result.outcome !== 'succeeded' || mode === 'beside') {
    return {
      ...state,
      phase: { kind: 'done', exitCode: result.exitCode, lines: resultLines(result) },
    };
  }
  if (state.startAnswer === undefined) {
    return { ...state, phase: { kind: 'ask-start', plan, result, answer: false } };
  }
  return startOrLeave(state, plan, result, state.startAnswer);
}

function startOrLeave(
  state: RestoreState,
  plan: RestorePlan,
  result: JobResult,
  answer: boolean,
): RestoreState {
  if (answer) return { ...state, phase: { kind: 'start', plan, result } };
  return {
    ...state,
    phase: {
      kind: 'done',
      exitCode: 0,
      lines: [
        'Orthanc is left stopped. Put the image files back on the images share, then run:',
        '  ovena start',
        '  ovena images check      (compares every image file with the restored index)',
      ],
    },
  };
}

export function restoreReducer(state: RestoreState, action: RestoreAction): RestoreState {
  const { phase } = state;
  switch (action.type) {
    case 'dumps-loaded':
      return phase.kind === 'loading'
        ? { ...state, dumps: action.dumps, cursor: 0, phase: { kind: 'pick' } }
        : state;
    case 'filter-type':
      return phase.kind === 'pick'
        ? { ...state, filter: state.filter + action.text, cursor: 0, error: undefined }
        : state;
    case 'filter-erase':
      return phase.kind === 'pick'
        ? { ...state, filter: state.filter.slice(0, -1), cursor: 0 }
        : state;
    case 'move': {
      if (phase.kind !== 'pick') return state;
      const count = visibleDumps(state).length;
      if (count === 0) return state;
      return { ...state, cursor: (state.cursor + action.delta + count) % count };
    }
    case 'pick': {
      if (phase.kind !== 'pick') return state;
      const dump = visibleDumps(state)[state.cursor];
      if (!dump) return state;
      // Only the check starts here; nothing is stopped or destroyed before the typed confirmation.
      return { ...state, error: undefined, phase: { kind: 'check', dump, lines: [] } };
    }
    case 'back':
      if (phase.kind === 'pick') return { ...state, phase: cancelled() };
      if (phase.kind === 'confirm' || phase.kind === 'check') {
        return state.fixedDump
          ? { ...state, phase: cancelled() }
          : { ...state, phase: { kind: 'pick' } };
      }
      if (phase.kind === 'ask-start') return startOrLeave(state, phase.plan, phase.result, false);
      return state;
    case 'check-status':
      return phase.kind === 'check'
        ? { ...state, phase: { ...phase, lines: [...phase.lines.slice(-3), action.line] } }
        : state;
    case 'checked':
      return phase.kind === 'check'
        ? {
            ...state,
            phase: {
              kind: 'confirm',
              plan: action.plan,
              mode: recommendedMode(action.plan),
              typed: '',
              mismatch: false,
            },
          }
        : state;
    case 'failed':
      // A late failure (a listing aborted by a signal) does not replace the verdict already shown.
      if (phase.kind === 'done') return state;
      if (phase.kind === 'check' && !state.fixedDump) {
        return { ...state, error: action.message, phase: { kind: 'pick' } };
      }
      return {
        ...state,
        phase: { kind: 'done', exitCode: action.exitCode, lines: [`ovena: ${action.message}`] },
      };
    case 'mode-toggle':
      // Beside is shown but not selectable when it is not possible (the reason is on screen).
      if (phase.kind !== 'confirm' || !phase.plan.beside?.possible) return state;
      return {
        ...state,
        phase: {
          ...phase,
          mode: phase.mode === 'beside' ? 'scratch' : 'beside',
          typed: '',
          mismatch: false,
        },
      };
    case 'confirm-type':
      return phase.kind === 'confirm'
        ? { ...state, phase: { ...phase, typed: phase.typed + action.text, mismatch: false } }
        : state;
    case 'confirm-erase':
      return phase.kind === 'confirm'
        ? { ...state, phase: { ...phase, typed: phase.typed.slice(0, -1), mismatch: false } }
        : state;
    case 'confirm-submit':
      if (phase.kind !== 'confirm') return state;
      if (phase.typed === '') return restoreReducer(state, { type: 'back' });
      if (!confirmedBy(phase.typed, phase.plan, phase.mode)) {
        return { ...state, phase: { ...phase, typed: '', mismatch: true } };
      }
      return { ...state, phase: { kind: 'run', plan: phase.plan, mode: phase.mode } };
    case 'run-finished':
      return phase.kind === 'run' ? afterRun(state, phase.plan, phase.mode, action.result) : state;
    case 'answer-toggle':
      return phase.kind === 'ask-start'
        ? { ...state, phase: { ...phase, answer: !phase.answer } }
        : state;
    case 'answer-submit':
      return phase.kind === 'ask-start'
        ? startOrLeave(state, phase.plan, phase.result, action.answer ?? phase.answer)
        : state;
    case 'start-finished':
      return phase.kind === 'start'
        ? {
            ...state,
            phase: {
              kind: 'done',
              exitCode: action.result.exitCode,
              lines: resultLines(action.result),
            },
          }
        : state;
    case 'quit':
      return phase.kind === 'run' || phase.kind === 'start' || phase.kind === 'done'
        ? state
        : {
            ...state,
            phase: {
              kind: 'done',
              exitCode: action.exitCode ?? 130,
              lines: ['Restore cancelled: nothing was destroyed.'],
            },
          };
  }
}
