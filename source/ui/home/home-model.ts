import type { HomeStatus } from '../../monitoring/home-status.ts';

/** The home screen as a reducer over a typed action union; the view only renders this state. */
export type TaskId =
  | 'backup'
  | 'restore'
  | 'cifs'
  | 'start'
  | 'stop'
  | 'schedule'
  | 'history'
  | 'retention'
  | 'images'
  | 'drill';

export type MenuItem = { id: TaskId | 'quit'; label: string; command: string };

export const menuItems: readonly MenuItem[] = [
  { id: 'backup', label: 'Back up now', command: 'ovena backup' },
  { id: 'restore', label: 'Restore…', command: 'ovena restore' },
  { id: 'cifs', label: 'CIFS shares…', command: 'ovena cifs' },
  { id: 'start', label: 'Start services', command: 'ovena start' },
  { id: 'stop', label: 'Stop services', command: 'ovena stop' },
  { id: 'schedule', label: 'Backup schedule…', command: 'ovena schedule' },
  { id: 'drill', label: 'Test a dump (drill)…', command: 'ovena drill' },
  { id: 'images', label: 'Check image files', command: 'ovena images check' },
  { id: 'retention', label: 'Retention…', command: 'ovena prune --dry-run' },
  { id: 'history', label: 'Backup history…', command: 'ovena history' },
  { id: 'quit', label: 'Quit', command: '' },
];

export type Phase = { kind: 'home' } | { kind: 'task'; task: TaskId } | { kind: 'quit' };

export type HomeState = {
  phase: Phase;
  cursor: number;
  status?: HomeStatus;
  /** When the shown status was read. */
  statusAt?: number;
  /** Set when the last refresh failed; the previous status stays on screen. */
  loadError?: string;
  /** One line about the task that just returned, e.g. "Start services: done". */
  note?: string;
};

export type HomeAction =
  | { type: 'move'; delta: number }
  | { type: 'open' }
  | { type: 'back' }
  | { type: 'task-done'; note?: string }
  | { type: 'status-loaded'; status: HomeStatus; at: number }
  | { type: 'status-failed'; error: string };

export const initialHomeState: HomeState = { phase: { kind: 'home' }, cursor: 0 };

function sameStatus(a: HomeStatus | undefined, b: HomeStatus): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export function homeReducer(state: HomeState, action: HomeAction): HomeState {
  switch (action.type) {
    case 'move': {
      if (state.phase.kind !== 'home') return state;
      const count = menuItems.length;
      return { ...state, cursor: (state.cursor + action.delta + count) % count };
    }
    case 'open': {
      if (state.phase.kind !== 'home') return state;
      const item = menuItems[state.cursor];
      if (!item) return state;
      if (item.id === 'quit') return { ...state, phase: { kind: 'quit' } };
      const { note: _dropped, ...rest } = state;
      return { ...rest, phase: { kind: 'task', task: item.id } };
    }
    case 'back':
      // From home, back means quit; a running task decides itself when it may be left.
      return state.phase.kind === 'home' ? { ...state, phase: { kind: 'quit' } } : state;
    case 'task-done':
      if (state.phase.kind !== 'task') return state;
      return {
        ...state,
        phase: { kind: 'home' },
        ...(action.note ? { note: action.note } : {}),
      };
    case 'status-loaded': {
      // Same status: keep the same object so nothing re-renders (no flicker).
      if (sameStatus(state.status, action.status) && state.loadError === undefined) return state;
      const { loadError: _cleared, ...rest } = state;
      return { ...rest, status: action.status, statusAt: action.at };
    }
    case 'status-failed':
      return state.loadError === action.error ? state : { ...state, loadError: action.error };
  }
}
