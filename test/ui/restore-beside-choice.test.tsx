import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { DumpFile } from '../../source/dumps/list-dumps.ts';
import type { Job } from '../../source/jobs/job.ts';
import type { RestorePlan } from '../../source/restore/preflight.ts';
import { RestoreApp, type RestoreServices } from '../../source/ui/restore/restore-app.tsx';
import {
  initialRestoreState,
  type RestoreAction,
  type RestoreState,
  restoreReducer,
} from '../../source/ui/restore/restore-state.ts';
import { waitFor } from '../helpers/wait-for.ts';

/* Issue 18's choice on the restore screen: beside or from scratch, the recommended one first. */

afterEach(() => cleanup());

const now = Date.parse('2026-01-10T12:00:00Z');
const dump: DumpFile = {
  name: 'nightly.sql.gz',
  sizeBytes: 1_200_000_000,
  modifiedMs: now - 3_600_000,
  compressed: true,
};
const possible = {
  possible: true,
  reason:
    'no downtime until a switch of seconds; the current database is kept as orthanc_before_<UTC>',
};
const broken = {
  possible: false,
  reason: 'the database is not healthy, so from scratch is right',
};

function planWith(beside: RestorePlan['beside']): RestorePlan {
  return {
    dump,
    path: `/mnt/backup/${dump.name}`,
    safetyDump: { make: true },
    current: {
      dataVolume: 'proj_db-data',
      database: { tables: 14, sizeBytes: 8_400_000, schemaVersion: '6', instances: 42 },
      orthanc: { CountPatients: 3, CountStudies: 4, CountSeries: 5, CountInstances: 42 },
      orthancRunning: true,
    },
    startedDatabase: false,
    marker: undefined,
    ...(beside ? { beside } : {}),
  };
}

const play = (state: RestoreState, ...actions: RestoreAction[]) =>
  actions.reduce(restoreReducer, state);

function checked(beside: RestorePlan['beside']): RestoreState {
  const start = initialRestoreState({ file: dump.name, start: undefined });
  return play(start, { type: 'checked', plan: planWith(beside) });
}

const typed = (text: string): RestoreAction[] =>
  [...text].map((c) => ({ type: 'confirm-type', text: c }));

describe('restore reducer: beside or from scratch', () => {
  it('preselects beside when it is possible, from scratch when it is not (or unknown)', () => {
    const beside = checked(possible).phase;
    assert.equal(beside.kind === 'confirm' && beside.mode, 'beside');
    const scratch = checked(broken).phase;
    assert.equal(scratch.kind === 'confirm' && scratch.mode, 'scratch');
    const unknown = checked(undefined).phase;
    assert.equal(unknown.kind === 'confirm' && unknown.mode, 'scratch');
  });

  it('the toggle switches the mode and clears what was typed', () => {
    const state = play(checked(possible), ...typed('ye'), { type: 'mode-toggle' });
    assert.equal(state.phase.kind, 'confirm');
    if (state.phase.kind !== 'confirm') return;
    assert.equal(state.phase.mode, 'scratch');
    assert.equal(state.phase.typed, '');
    const back = restoreReducer(state, { type: 'mode-toggle' });
    assert.equal(back.phase.kind === 'confirm' && back.phase.mode, 'beside');
  });

  it('beside is not selectable when it is not possible', () => {
    const state = checked(broken);
    assert.equal(restoreReducer(state, { type: 'mode-toggle' }), state);
  });

  it('beside is confirmed by yes (any case), never by the dump name or an empty Enter', () => {
    const byName = play(checked(possible), ...typed(dump.name), { type: 'confirm-submit' });
    assert.equal(byName.phase.kind === 'confirm' && byName.phase.mismatch, true);
    const byYes = play(checked(possible), ...typed('Yes'), { type: 'confirm-submit' });
    assert.deepEqual(byYes.phase.kind === 'run' && byYes.phase.mode, 'beside');
    const empty = play(checked(possible), { type: 'confirm-submit' });
    assert.equal(empty.phase.kind, 'done');
  });

  it('from scratch keeps the typed dump name (yes does not do)', () => {
    const state = play(checked(possible), { type: 'mode-toggle' });
    const byYes = play(state, ...typed('yes'), { type: 'confirm-submit' });
    assert.equal(byYes.phase.kind === 'confirm' && byYes.phase.mismatch, true);
    const byName = play(state, ...typed(dump.name), { type: 'confirm-submit' });
    assert.equal(byName.phase.kind === 'run' && byName.phase.mode, 'scratch');
  });

  it('a beside run ends with its outcome, without the start question (the switch started it)', () => {
    const running = play(checked(possible), ...typed('yes'), { type: 'confirm-submit' });
    const done = restoreReducer(running, {
      type: 'run-finished',
      result: { outcome: 'succeeded', exitCode: 0, state: 'restored beside; downtime 2.1 s' },
    } as RestoreAction);
    assert.deepEqual(done.phase, {
      kind: 'done',
      exitCode: 0,
      lines: ['restored beside; downtime 2.1 s'],
    });
  });
});

type Ran = string[];

function services(beside: RestorePlan['beside'], ran: Ran, besideJob: Job): RestoreServices {
  return {
    listDumps: async () => [dump],
    preflight: async () => planWith(beside),
    restoreJob: () => {
      ran.push('scratch');
      return { title: 'Restore', steps: [] };
    },
    besideJob: () => {
      ran.push('beside');
      return besideJob;
    },
    startJob: () => ({ title: 'Start', steps: [] }),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));
const enter = '\r';
const tab = '\t';

async function confirmScreen(beside: RestorePlan['beside'], ran: Ran, job: Job) {
  let exitCode: number | undefined;
  const app = render(
    <RestoreApp
      services={services(beside, ran, job)}
      file={dump.name}
      now={now}
      controller={new AbortController()}
      onExit={(code) => {
        exitCode = code;
      }}
    />,
  );
  await waitFor(() => (app.lastFrame() ?? '').includes('from scratch'), 2000, 'the choice');
  await tick();
  return { ...app, exitCode: () => exitCode };
}

describe('restore screen: beside or from scratch', () => {
  const emptyJob: Job = { title: 'Restore beside', steps: [] };

  it('shows beside preselected with the reason; Tab moves to from scratch and back', async () => {
    const ran: Ran = [];
    const app = await confirmScreen(possible, ran, emptyJob);
    let frame = app.lastFrame() ?? '';
    assert.match(frame, /Restore beside: the current database is kept/);
    assert.match(frame, /› beside \(recommended\) +from scratch/);
    assert.match(frame, /Beside: no downtime until a switch of seconds/);
    assert.match(frame, /Type yes and press Enter/);
    assert.doesNotMatch(frame, /Will destroy/);
    app.stdin.write(tab);
    await waitFor(() => (app.lastFrame() ?? '').includes('DESTROY'), 2000, 'from scratch');
    frame = app.lastFrame() ?? '';
    assert.match(frame, / {2}beside \(recommended\) +› from scratch/);
    assert.match(frame, /Will destroy the database volume proj_db-data/);
    assert.match(frame, /Type the dump's name nightly\.sql\.gz/);
    app.stdin.write('\u001B[D');
    await waitFor(() => (app.lastFrame() ?? '').includes('Type yes'), 2000, 'beside again');
    assert.deepEqual(ran, []);
  });

  it('beside not possible: shown, not selectable, with the reason; from scratch recommended', async () => {
    const ran: Ran = [];
    const app = await confirmScreen(broken, ran, emptyJob);
    const before = app.lastFrame() ?? '';
    assert.match(before, /beside \(not possible\) +› from scratch \(recommended\)/);
    assert.match(before, /Beside: the database is not healthy, so from scratch is right/);
    assert.doesNotMatch(before, /Tab choose/);
    app.stdin.write(tab);
    app.stdin.write('\u001B[C');
    await tick();
    app.stdin.write('x');
    await waitFor(() => (app.lastFrame() ?? '').includes('> x'), 2000, 'typed');
    assert.match(app.lastFrame() ?? '', /Restore will DESTROY[\s\S]*› from scratch/);
    assert.deepEqual(ran, []);
  });

  it('yes runs the beside job with live progress and ends with its outcome', async () => {
    const ran: Ran = [];
    let release: () => void = () => {};
    const job: Job = {
      title: 'Restore nightly.sql.gz beside the live database',
      steps: [
        {
          id: 'load',
          title: 'Load nightly.sql.gz (Orthanc keeps running)',
          run: async ({ progress, signal }) => {
            progress({ done: 600_000_000, total: 1_200_000_000, unit: 'bytes' });
            await new Promise<void>((resolve) => {
              release = resolve;
              signal.addEventListener('abort', () => resolve());
            });
          },
        },
        {
          id: 'switch',
          title: 'Switch: stop Orthanc, rename both databases, start Orthanc',
          run: async () => ({
            summary: 'downtime 2.4 s; previous database kept as orthanc_before_x',
          }),
        },
      ],
      successSummary: () =>
        'database restored beside from nightly.sql.gz; downtime 2.4 s; the previous database is kept as orthanc_before_x',
    };
    const app = await confirmScreen(possible, ran, job);
    app.stdin.write('yes');
    await tick();
    app.stdin.write(enter);
    await waitFor(() => / 50% · 600 MB \/ 1\.2 GB/.test(app.lastFrame() ?? ''), 2000, 'progress');
    assert.deepEqual(ran, ['beside']);
    release();
    await waitFor(() => app.exitCode() !== undefined, 3000, 'exit');
    assert.equal(app.exitCode(), 0);
    const frame = app.lastFrame() ?? '';
    assert.match(frame, /✔ Switch: stop Orthanc/);
    assert.match(
      frame.replace(/\s+/g, ' '),
      /downtime 2\.4 s; the previous database is kept as orthanc_before_x/,
    );
    assert.doesNotMatch(frame, /Start Orthanc now\?/);
  });
});
