import { Box, Text } from 'ink';
import { useEffect, useReducer } from 'react';
import { type CifsShare, editedOptions, type ShareChanges } from '../../cifs/shares.ts';
import { maskOptionText } from '../../cifs/show-shares.ts';
import { mask } from '../../secrets/redact.ts';
import {
  cancelIndex,
  formChanges,
  formFields,
  formReducer,
  initialFormState,
  saveIndex,
} from './share-form-state.ts';

import { useShareFormKeys } from './use-share-form-keys.ts';

/** Shown for a typed password whatever its length: the screen must not tell how long it is. */
export const typedPasswordMask = '•••••••• (new)';

export type FormResult = { action: 'save'; changes: ShareChanges } | { action: 'cancel' };

export type ShareFormProps = {
  share: CifsShare;
  /** e.g. "share 1 of 2" during first-time setup. */
  position?: string;
  onDone(result: FormResult): void;
};

/** One CIFS share's fields; the password is masked while typed; a masked preview of the change. */
export function ShareForm({ share, position, onDone }: ShareFormProps) {
  const [state, dispatch] = useReducer(formReducer(share), share, initialFormState);

  useShareFormKeys(dispatch);

  useEffect(() => {
    if (state.phase === 'saved') onDone({ action: 'save', changes: formChanges(share, state) });
    if (state.phase === 'cancelled') onDone({ action: 'cancel' });
  }, [state, share, onDone]);

  const changes = formChanges(share, state);
  let preview: { device: string; options: string } | undefined;
  try {
    preview = Object.keys(changes).length > 0 ? editedOptions(share, changes) : undefined;
  } catch {
    preview = undefined;
  }
  const width = 10;
  return (
    <Box flexDirection="column">
      <Text bold>
        CIFS share "{share.volume}"{position ? ` (${position})` : ''}
      </Text>
      <Text dimColor>{share.file}</Text>
      <Box flexDirection="column" marginTop={1}>
        {formFields.map(({ field, label }, index) => {
          const focused = state.focus === index;
          const value =
            field === 'password'
              ? state.values.password === ''
                ? share.password
                  ? '(unchanged; type to replace)'
                  : '(not set)'
                : typedPasswordMask
              : state.values[field];
          return (
            <Text key={field} {...(focused ? { color: 'cyan' } : {})}>
              {focused ? '› ' : '  '}
              {label.padEnd(width)} {value}
              {focused ? '▏' : ''}
            </Text>
          );
        })}
      </Box>
      <Box marginTop={1}>
        <Text {...(state.focus === saveIndex ? { inverse: true } : {})}> Save </Text>
        <Text> </Text>
        <Text {...(state.focus === cancelIndex ? { inverse: true } : {})}> Cancel </Text>
      </Box>
      {state.error ? <Text color="red">{state.error}</Text> : null}
      <Box flexDirection="column" marginTop={1}>
        {preview ? (
          <>
            <Text>Preview of the change (password {mask}):</Text>
            <Text> device: {preview.device}</Text>
            <Text wrap="wrap"> o: {maskOptionText(preview.options)}</Text>
          </>
        ) : (
          <Text dimColor>No change yet.</Text>
        )}
      </Box>
      <Text dimColor>Tab/↑↓ move · Enter next/choose · Esc cancel</Text>
    </Box>
  );
}
