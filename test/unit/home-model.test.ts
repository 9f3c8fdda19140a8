import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HomeStatus } from '../../source/monitoring/home-status.ts';
import {
  type HomeAction,
  type HomeState,
  homeReducer,
  initialHomeState,
  menuItems,
} from '../../source/ui/home/home-model.ts';

const status = (instances: number): HomeStatus => ({
  services: [{ name: 'db', role: 'db', state: 'running', up: true }],
  orthanc: { url: 'http://127.0.0.1:8042', reachable: true, instances },
  problems: [],
});
const run = (state: HomeState, ...actions: HomeAction[]) => actions.reduce(homeReducer, state);
const quitIndex = menuItems.findIndex((item) => item.id === 'quit');

describe('home screen reducer', () => {
  it('moves through the menu and wraps around', () => {
    assert.equal(run(initialHomeState, { type: 'move', delta: -1 }).cursor, menuItems.length - 1);
    assert.equal(
      run(initialHomeState, ...menuItems.map((): HomeAction => ({ type: 'move', delta: 1 })))
        .cursor,
      0,
    );
  });

  it('opens the entry under the cursor and clears the last note; Quit quits', () => {
    const noted = { ...initialHomeState, note: 'Start services: done', cursor: 3 };
    const opened = run(noted, { type: 'open' });
    assert.deepEqual(opened.phase, { kind: 'task', task: 'start' });
    assert.equal(opened.note, undefined);
    assert.deepEqual(run({ ...initialHomeState, cursor: quitIndex }, { type: 'open' }).phase, {
      kind: 'quit',
    });
  });

  it('while a task is open, keys for home do nothing and back does not leave it', () => {
    const opened = run(initialHomeState, { type: 'open' });
    assert.equal(run(opened, { type: 'move', delta: 1 }), opened);
    assert.equal(run(opened, { type: 'open' }), opened);
    assert.equal(run(opened, { type: 'back' }), opened);
    assert.deepEqual(run(initialHomeState, { type: 'back' }).phase, { kind: 'quit' });
  });

  it('a finished task returns home with its note, keeping the cursor on it', () => {
    const opened = run({ ...initialHomeState, cursor: 4 }, { type: 'open' });
    const back = run(opened, { type: 'task-done', note: 'Stop services: done' });
    assert.deepEqual(back.phase, { kind: 'home' });
    assert.equal(back.note, 'Stop services: done');
    assert.equal(back.cursor, 4);
    assert.equal(run(initialHomeState, { type: 'task-done' }), initialHomeState);
  });

  it('an unchanged status keeps the same state object (no re-render); a change replaces it', () => {
    const loaded = run(initialHomeState, { type: 'status-loaded', status: status(1), at: 10 });
    assert.equal(loaded.statusAt, 10);
    assert.equal(run(loaded, { type: 'status-loaded', status: status(1), at: 20 }), loaded);
    const changed = run(loaded, { type: 'status-loaded', status: status(2), at: 30 });
    assert.equal(changed.status?.orthanc.instances, 2);
    assert.equal(changed.statusAt, 30);
  });

  it('a failed refresh keeps the status shown and says why; the next good one clears it', () => {
    const loaded = run(initialHomeState, { type: 'status-loaded', status: status(1), at: 10 });
    const failed = run(loaded, { type: 'status-failed', error: 'docker is not running' });
    assert.equal(failed.status, loaded.status);
    assert.equal(failed.loadError, 'docker is not running');
    assert.equal(run(failed, { type: 'status-failed', error: 'docker is not running' }), failed);
    const again = run(failed, { type: 'status-loaded', status: status(1), at: 40 });
    assert.equal(again.loadError, undefined);
    assert.equal(again.statusAt, 40);
  });
});
