import { useInput } from 'ink';
import type { Dispatch } from 'react';
import type { FormAction } from './share-form-state.ts';

/** The share form's keys as reducer actions. */
export function useShareFormKeys(dispatch: Dispatch<FormAction>): void {
  useInput((input, key) => {
    if (key.ctrl && input === 'c') dispatch({ type: 'cancel' });
    else if (key.escape) dispatch({ type: 'cancel' });
    else if (key.tab && key.shift) dispatch({ type: 'previous' });
    else if (key.tab || key.downArrow) dispatch({ type: 'next' });
    else if (key.upArrow) dispatch({ type: 'previous' });
    else if (key.return) dispatch({ type: 'enter' });
    else if (key.backspace || key.delete) dispatch({ type: 'erase' });
    else if (input && !key.ctrl && !key.meta)
      dispatch({ type: 'type', text: input.replace(/[\r\n]/g, '') });
  });
}
