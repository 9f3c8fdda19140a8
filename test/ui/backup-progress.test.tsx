import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { backupJob } from '../../source/backup/backup-job.ts';
import { dumpStepProgress } from '../../source/backup/dump-steps.ts';
import type { DumpProgress } from '../../source/backup/dump-to-share.ts';
import type { Compose } from '../../source/compose/compose.ts';
import type { JobEvent } from '../../source/jobs/job.ts';
import { initialJobView, type JobView, jobViewReducer } from '../../source/jobs/job-state.ts';
import { JobScreen } from '../../source/ui/job-view.tsx';

afterEach(() => cleanup());

// The real backup job's steps (building it touches no container: only running its steps does).
const { job } = backupJob({} as Compose, { fileName: 'nightly.sql', stateDir: '/nonexistent' });
const stepOf = (id: string) => {
  const step = job.steps.find((candidate) => candidate.id === id);
  assert.ok(step, id);
  return step;
};

/** The view after check-share and lock finished and the dump step reported `update` at `at`. */
function dumpingView(update: DumpProgress, dumpStartedAt: number, at: number): JobView {
  const events: JobEvent[] = [
    {
      type: 'job-started',
      title: job.title,
      steps: job.steps.map(({ id, title }) => ({ id, title })),
      at: 0,
    },
  ];
  let clock = 0;
  for (const id of ['check-share', 'lock']) {
    const { title } = stepOf(id);
    events.push({ type: 'step-started', id, title, at: clock });
    events.push({
      type: 'step-finished',
      id,
      title,
      durationMs: 400,
      summary: undefined,
      at: clock + 400,
    });
    clock += 400;
  }
  const dump = stepOf('dump');
  events.push({ type: 'step-started', id: dump.id, title: dump.title, at: dumpStartedAt });
  events.push({
    type: 'step-progress',
    id: dump.id,
    progress: dumpStepProgress(update, at - dumpStartedAt),
    startedAt: dumpStartedAt,
    at,
  });
  return events.reduce(jobViewReducer, initialJobView);
}

describe('backup progress view', () => {
  it('shows tables done out of the total, bytes written, rate, elapsed and a bar', () => {
    const view = dumpingView(
      { tablesDone: 12, tablesTotal: 40, currentTable: 'public.resources', bytes: 84_000_000 },
      1000,
      41_000,
    );
    const { lastFrame } = render(<JobScreen view={view} now={41_000} width={80} />);
    const frame = lastFrame() ?? '';
    assert.match(frame, /✔ Check the backup share \(\/mnt\/backup\)/);
    assert.match(frame, /✔ Take the backup\/restore lock/);
    assert.match(frame, /Dump and compress \(pg_dump \| gzip, inside the db container\) 40s/);
    assert.match(frame, /█+░+ 30%/);
    // 12 of 40 tables; ETA from the table ratio; 84 MB in 40 s is 2.1 MB/s.
    assert.match(frame, /12 \/ 40, 30%, ETA 1m33s, 84\.0 MB written, 2\.1 MB\/s/);
    assert.match(frame, /table public\.resources, elapsed 40s/);
    assert.match(frame, /next: Verify the dump .* › Publish as \/mnt\/backup\/nightly/);
    assert.match(frame, /Ctrl-C stops safely/);
  });

  it('before the first table: no total yet, no rate, no bar, elapsed still shown', () => {
    const view = dumpingView(
      { tablesDone: 0, tablesTotal: undefined, currentTable: undefined, bytes: 0 },
      1000,
      3000,
    );
    const { lastFrame } = render(<JobScreen view={view} now={3000} width={80} />);
    const frame = lastFrame() ?? '';
    assert.match(frame, /Dump and compress/);
    assert.match(frame, /^\s+0, 0 B written, elapsed 2\.0s$/m);
    assert.doesNotMatch(frame, /█|░/);
    assert.doesNotMatch(frame, /\/s/);
  });

  it('the last table: 100% and the whole share of bytes', () => {
    const view = dumpingView(
      {
        tablesDone: 40,
        tablesTotal: 40,
        currentTable: 'public.attachedfiles',
        bytes: 262_000_000,
      },
      0,
      30_000,
    );
    const { lastFrame } = render(<JobScreen view={view} now={30_000} width={80} />);
    const frame = lastFrame() ?? '';
    assert.match(frame, /█+ 100%/);
    assert.doesNotMatch(frame, /░/);
    assert.match(frame, /40 \/ 40, 100%, .*262 MB written, 8\.7 MB\/s/);
  });
});
