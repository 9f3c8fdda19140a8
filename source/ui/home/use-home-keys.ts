import { useInput } from 'ink';
import type { Dispatch } from 'react';
import type { HomeAction, HomeState } from './home-model.ts';

/** The home menu's keys as reducer actions; a task screen has the keys while it is open. */
export function useHomeKeys(state: HomeState, dispatch: Dispatch<HomeAction>): void {
  useInput((input, key) => {
    if (state.phase.kind !== 'home') return;
    if (key.upArrow || input === 'k') dispatch({ type: 'move', delta: -1 });
    else if (key.downArrow || input === 'j') dispatch({ type: 'move', delta: 1 });
    else if (key.return) dispatch({ type: 'open' });
    else if (key.escape || input === 'q' || (key.ctrl && input === 'c')) dispatch({ type: 'back' });
  });
}
