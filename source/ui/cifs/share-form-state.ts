import type { CifsShare, ShareChanges, ShareField } from '../../cifs/shares.ts';
import { validateChanges } from '../../cifs/shares.ts';

/** The form is a reducer over key intents; the view only renders this state. */
export const formFields: Array<{ field: ShareField; label: string }> = [
  { field: 'server', label: 'Server' },
  { field: 'share', label: 'Share' },
  { field: 'username', label: 'Username' },
  { field: 'password', label: 'Password' },
  { field: 'domain', label: 'Domain' },
  { field: 'vers', label: 'SMB vers' },
];
/** Focus positions: the fields, then Save, then Cancel. */
export const saveIndex = formFields.length;
export const cancelIndex = formFields.length + 1;

export type FormState = {
  values: Record<ShareField, string>;
  /** The password starts empty: empty means "keep the current one". */
  focus: number;
  error: string | undefined;
  phase: 'edit' | 'saved' | 'cancelled';
};

export type FormAction =
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  | { type: 'enter' }
  | { type: 'cancel' };

export function initialFormState(share: CifsShare): FormState {
  return {
    values: {
      server: share.server,
      share: share.share,
      username: share.username ?? '',
      password: '',
      domain: share.domain ?? '',
      vers: share.vers ?? '',
    },
    focus: 0,
    error: undefined,
    phase: 'edit',
  };
}

/** What Save would write: only the fields that differ (an empty password keeps the old one). */
export function formChanges(share: CifsShare, state: FormState): ShareChanges {
  const changes: ShareChanges = {};
  const { values } = state;
  if (values.server !== share.server) changes.server = values.server;
  if (values.share !== share.share) changes.share = values.share;
  if (values.username !== (share.username ?? '')) changes.username = values.username;
  if (values.password !== '') changes.password = values.password;
  if (values.domain !== (share.domain ?? '')) changes.domain = values.domain;
  if (values.vers !== (share.vers ?? '')) changes.vers = values.vers;
  return changes;
}

export function formReducer(share: CifsShare) {
  return (state: FormState, action: FormAction): FormState => {
    if (state.phase !== 'edit') return state;
    const count = cancelIndex + 1;
    switch (action.type) {
      case 'next':
        return { ...state, focus: (state.focus + 1) % count };
      case 'previous':
        return { ...state, focus: (state.focus - 1 + count) % count };
      case 'type': {
        const field = formFields[state.focus]?.field;
        if (!field) return state;
        return {
          ...state,
          error: undefined,
          values: { ...state.values, [field]: state.values[field] + action.text },
        };
      }
      case 'erase': {
        const field = formFields[state.focus]?.field;
        if (!field) return state;
        return {
          ...state,
          values: { ...state.values, [field]: [...state.values[field]].slice(0, -1).join('') },
        };
      }
      case 'cancel':
        return { ...state, phase: 'cancelled' };
      case 'enter': {
        if (state.focus === cancelIndex) return { ...state, phase: 'cancelled' };
        if (state.focus !== saveIndex) return { ...state, focus: state.focus + 1 };
        try {
          validateChanges(formChanges(share, state));
        } catch (error) {
          return { ...state, error: (error as Error).message };
        }
        return { ...state, phase: 'saved' };
      }
    }
  };
}
