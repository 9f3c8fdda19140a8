import { useInput } from 'ink';
import type { Dispatch } from 'react';
import type { RestoreAction, RestoreState } from './restore-state.ts';

type Key = {
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
};

/** Which action a key stands for in the current phase; undefined when it means nothing there. */
export function keyToAction(
  state: RestoreState,
  input: string,
  key: Key,
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
    if (key.leftArrow || key.rightArrow || key.tab) return { type: 'mode-toggle' };
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

/**
 * The restore screen's keys: each becomes an action of the reducer. Ctrl-C outside a job aborts
 * `controller` (nothing was destroyed yet); a running job handles Ctrl-C itself.
 */
export function useRestoreKeys(
  state: RestoreState,
  dispatch: Dispatch<RestoreAction>,
  controller: AbortController,
): void {
  const { phase } = state;
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
}
