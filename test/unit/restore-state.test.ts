import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DumpFile } from '../../source/dumps/list-dumps.ts';
import type { JobResult } from '../../source/jobs/job.ts';
import type { RestorePlan } from '../../source/restore/preflight.ts';
import {
  initialRestoreState,
  type RestoreAction,
  type RestoreState,
  restoreReducer,
  resultLines,
  visibleDumps,
} from '../../source/ui/restore/restore-state.ts';

const dump = (name: string, modifiedMs = 0): DumpFile => ({
  name,
  sizeBytes: 1000,
  modifiedMs,
  compressed: name.endsWith('.gz'),
});
const dumps = [dump('nightly.sql.gz'), dump('before-upgrade.sql.gz'), dump('Nightly-old.sql')];
const plan = (name = 'nightly.sql.gz'): RestorePlan => ({
  dump: dump(name),
  path: `/mnt/backup/${name}`,
  safetyDump: { make: true },
  current: {
    dataVolume: 'p_db-data',
    database: undefined,
    orthanc: undefined,
    orthancRunning: true,
  },
  startedDatabase: false,
  marker: undefined,
});
const succeeded: JobResult = {
  outcome: 'succeeded',
  durationMs: 10,
  exitCode: 0,
  state: 'Database restored from nightly.sql.gz.',
};

function run(state: RestoreState, ...actions: RestoreAction[]): RestoreState {
  return actions.reduce(restoreReducer, state);
}
const picker = (start?: boolean) =>
  run(initialRestoreState({ file: undefined, start }), { type: 'dumps-loaded', dumps });
const type = (text: string): RestoreAction => ({ type: 'confirm-type', text });

describe('restore screen reducer', () => {
  it('starts by listing, or by checking the dump named with --file', () => {
    assert.equal(initialRestoreState({ file: undefined, start: undefined }).phase.kind, 'loading');
    const fixed = initialRestoreState({ file: 'x.sql.gz', start: true });
    assert.deepEqual(fixed.phase, { kind: 'check', dump: 'x.sql.gz', lines: [] });
    assert.equal(fixed.fixedDump, true);
    assert.equal(fixed.startAnswer, true);
  });

  it('filters case-insensitively, resets the cursor and wraps around when moving', () => {
    let state = picker();
    assert.equal(state.phase.kind, 'pick');
    state = run(state, { type: 'move', delta: -1 });
    assert.equal(state.cursor, 2);
    state = run(state, { type: 'filter-type', text: 'NIGHT' });
    assert.equal(state.cursor, 0);
    assert.deepEqual(
      visibleDumps(state).map((entry) => entry.name),
      ['nightly.sql.gz', 'Nightly-old.sql'],
    );
    state = run(state, { type: 'move', delta: 1 }, { type: 'move', delta: 1 });
    assert.equal(state.cursor, 0);
    state = run(state, { type: 'filter-erase' });
    assert.equal(state.filter, 'NIGH');
    state = run(state, { type: 'filter-type', text: 'zzz' }, { type: 'pick' });
    assert.equal(state.phase.kind, 'pick', 'no dump matches: Enter does nothing');
  });

  it('picking only checks; nothing runs before the exact name is typed', () => {
    let state = run(picker(), { type: 'move', delta: 1 }, { type: 'pick' });
    assert.deepEqual(state.phase, { kind: 'check', dump: dumps[1], lines: [] });
    state = run(
      state,
      ...['a', 'b', 'c', 'd', 'e'].map((line): RestoreAction => ({ type: 'check-status', line })),
    );
    assert.deepEqual(state.phase.kind === 'check' && state.phase.lines, ['b', 'c', 'd', 'e']);
    state = run(state, { type: 'checked', plan: plan('before-upgrade.sql.gz') });
    assert.equal(state.phase.kind, 'confirm');
    state = run(state, type('before-upgrade'), { type: 'confirm-submit' });
    assert.deepEqual(state.phase.kind === 'confirm' && [state.phase.typed, state.phase.mismatch], [
      '',
      true,
    ]);
    state = run(state, type('before-upgrade.sql.gzX'), { type: 'confirm-erase' });
    assert.equal(state.phase.kind === 'confirm' && state.phase.mismatch, false);
    state = run(state, { type: 'confirm-submit' });
    assert.equal(state.phase.kind, 'run');
  });

  it('Enter alone or Esc at the confirmation goes back to the list; with --file it cancels', () => {
    const atConfirm = (state: RestoreState) => run(state, { type: 'checked', plan: plan() });
    const listed = atConfirm(run(picker(), { type: 'pick' }));
    assert.equal(run(listed, { type: 'confirm-submit' }).phase.kind, 'pick');
    assert.equal(run(listed, { type: 'back' }).phase.kind, 'pick');
    const fixed = atConfirm(initialRestoreState({ file: 'nightly.sql.gz', start: undefined }));
    const done = run(fixed, { type: 'back' });
    assert.deepEqual(done.phase, {
      kind: 'done',
      exitCode: 0,
      lines: ['Restore cancelled: nothing was changed.'],
    });
  });

  it('a refused dump returns to the list with the reason; with --file it ends the command', () => {
    const failed: RestoreAction = { type: 'failed', message: 'not a dump', exitCode: 65 };
    const listed = run(picker(), { type: 'pick' }, failed);
    assert.equal(listed.phase.kind, 'pick');
    assert.equal(listed.error, 'not a dump');
    assert.equal(run(listed, { type: 'filter-type', text: 'n' }).error, undefined);
    const fixed = run(initialRestoreState({ file: 'x', start: undefined }), failed);
    assert.deepEqual(fixed.phase, { kind: 'done', exitCode: 65, lines: ['ovena: not a dump'] });
    assert.equal(run(fixed, failed), fixed, 'a late failure keeps the verdict shown');
  });

  it('after the run: asks about starting, or follows --start / --no-start', () => {
    const ran = (start?: boolean) =>
      run(
        picker(start),
        { type: 'pick' },
        { type: 'checked', plan: plan() },
        type('nightly.sql.gz'),
        { type: 'confirm-submit' },
        { type: 'run-finished', result: succeeded },
      );
    let asked = ran();
    assert.equal(asked.phase.kind, 'ask-start');
    assert.equal(asked.phase.kind === 'ask-start' && asked.phase.answer, false);
    asked = run(asked, { type: 'answer-toggle' });
    assert.equal(asked.phase.kind === 'ask-start' && asked.phase.answer, true);
    assert.equal(run(asked, { type: 'answer-submit' }).phase.kind, 'start');
    assert.equal(run(asked, { type: 'answer-submit', answer: false }).phase.kind, 'done');
    const left = run(asked, { type: 'back' });
    assert.deepEqual(left.phase.kind === 'done' && left.phase.lines[1], '  ovena start');
    assert.equal(ran(true).phase.kind, 'start');
    assert.equal(ran(false).phase.kind, 'done');
    const started = run(ran(true), {
      type: 'start-finished',
      result: { ...succeeded, state: 'Orthanc answers' },
    });
    assert.deepEqual(started.phase, { kind: 'done', exitCode: 0, lines: ['Orthanc answers'] });
  });

  it('a failed or interrupted run ends with where it stopped and its exit code', () => {
    const result: JobResult = {
      outcome: 'failed',
      durationMs: 5,
      exitCode: 1,
      stoppedAt: { id: 'load', title: 'Load the dump' },
      error: 'psql exited 3',
      state: 'the database is only partly loaded',
    };
    assert.deepEqual(resultLines(result), [
      'Failed at "Load the dump": psql exited 3',
      'State: the database is only partly loaded',
    ]);
    assert.deepEqual(resultLines({ ...result, outcome: 'interrupted', exitCode: 130 }), [
      'Interrupted during "Load the dump"',
      'State: the database is only partly loaded',
    ]);
    const state = run(
      picker(),
      { type: 'pick' },
      { type: 'checked', plan: plan() },
      type('nightly.sql.gz'),
      { type: 'confirm-submit' },
      { type: 'run-finished', result },
    );
    assert.equal(state.phase.kind === 'done' && state.phase.exitCode, 1);
  });

  it('quit cancels before the run (130 or the signal code) and is ignored while a job runs', () => {
    const quit = run(picker(), { type: 'quit' });
    assert.deepEqual(quit.phase, {
      kind: 'done',
      exitCode: 130,
      lines: ['Restore cancelled: nothing was destroyed.'],
    });
    const hungUp = run(picker(), { type: 'quit', exitCode: 129 });
    assert.equal(hungUp.phase.kind === 'done' && hungUp.phase.exitCode, 129);
    const running = run(
      picker(),
      { type: 'pick' },
      { type: 'checked', plan: plan() },
      type('nightly.sql.gz'),
      { type: 'confirm-submit' },
    );
    assert.equal(run(running, { type: 'quit' }), running);
  });
});
