import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CifsShare } from '../../source/cifs/shares.ts';
import {
  cancelIndex,
  type FormAction,
  type FormState,
  formChanges,
  formReducer,
  initialFormState,
  saveIndex,
} from '../../source/ui/cifs/share-form-state.ts';

const share: CifsShare = {
  volume: 'images',
  file: '/etc/ovena/docker-compose.yml',
  deviceRaw: '//nas.example.org/orthanc-images',
  server: 'nas.example.org',
  share: 'orthanc-images',
  username: 'svc',
  password: 'old-secret',
  domain: undefined,
  vers: '3.0',
  options: [],
};
const reduce = formReducer(share);
const run = (state: FormState, ...actions: FormAction[]) => actions.reduce(reduce, state);
const next: FormAction = { type: 'next' };
const enter: FormAction = { type: 'enter' };
const typeText = (text: string): FormAction => ({ type: 'type', text });

describe('CIFS share form reducer', () => {
  it('starts on the server with the current values and an empty password (keep it)', () => {
    const state = initialFormState(share);
    assert.deepEqual(state.values, {
      server: 'nas.example.org',
      share: 'orthanc-images',
      username: 'svc',
      password: '',
      domain: '',
      vers: '3.0',
    });
    assert.equal(state.focus, 0);
    assert.deepEqual(formChanges(share, state), {});
  });

  it('moves focus around fields, Save and Cancel, both ways', () => {
    const start = initialFormState(share);
    assert.equal(run(start, { type: 'previous' }).focus, cancelIndex);
    const atCancel = run(start, ...Array.from({ length: cancelIndex }, () => next));
    assert.equal(atCancel.focus, cancelIndex);
    assert.equal(run(atCancel, next).focus, 0);
    assert.equal(run(start, enter).focus, 1, 'Enter on a field goes to the next one');
  });

  it('typing and erasing edit the focused field; only changed fields are in the change', () => {
    const state = run(
      initialFormState(share),
      { type: 'erase' },
      typeText('G'),
      next,
      next,
      next,
      typeText('n€w'),
      { type: 'erase' },
    );
    assert.equal(state.values.server, 'nas.example.orG');
    assert.equal(state.values.password, 'n€');
    assert.deepEqual(formChanges(share, state), { server: 'nas.example.orG', password: 'n€' });
    const atSave = run(initialFormState(share), typeText('x'), ...Array(saveIndex).fill(next));
    assert.equal(run(atSave, typeText('y')), atSave, 'no field under Save: typing does nothing');
    assert.equal(run(atSave, typeText('y')).values.server, 'nas.example.orgx');
  });

  it('Save validates the change: an invalid value shows the reason and stays in the form', () => {
    const withComma = run(initialFormState(share), next, next, typeText(',x'));
    const atSave = run(withComma, ...Array(saveIndex - 2).fill(next));
    assert.equal(atSave.focus, saveIndex);
    const refused = run(atSave, enter);
    assert.equal(refused.phase, 'edit');
    assert.match(refused.error ?? '', /the username must not contain a comma/);
    assert.equal(run(refused, { type: 'previous' }, typeText('z')).error, undefined);
  });

  it('Save with a valid change is saved; Cancel, Esc and Ctrl-C cancel; then it is frozen', () => {
    const atSave = run(initialFormState(share), typeText('2'), ...Array(saveIndex).fill(next));
    const saved = run(atSave, enter);
    assert.equal(saved.phase, 'saved');
    assert.equal(run(saved, typeText('more')), saved);
    assert.equal(run(atSave, next, enter).phase, 'cancelled');
    assert.equal(run(initialFormState(share), { type: 'cancel' }).phase, 'cancelled');
  });
});
