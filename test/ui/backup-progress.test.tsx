import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { backupJob } from '../../source/backup/backup-job.ts';
import { dumpStepProgress } from '../../source/backup/dump-steps.ts';
import type { DumpProgress } from '../../source/backup/dump-to-share.ts';
import type { Compose } from '../../source/compose/compose.ts';
import type { JobEvent } from '../../source/jobs/job.ts';
import { initialJobView, type JobView, jobViewReducer } from '../../source/jobs/job-state.ts';
import { describeProgress } from '../../source/jobs/plain-renderer.ts';
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
    progress: dumpStepProgress(update),
    startedAt: dumpStartedAt,
    at,
  });
  return events.reduce(jobViewReducer, initialJobView);
}

/** The frame, each line with its trailing spaces trimmed. */
function frameAt(view: JobView, now: number, width: number): string[] {
  const frame = render(<JobScreen view={view} now={now} width={width} />).lastFrame() ?? '';
  return frame.split('\n').map((line) => line.trimEnd());
}

function assertFits(lines: string[], width: number) {
  for (const line of lines) assert.ok([...line].length <= width, `wider than ${width}: ${line}`);
}

describe('backup progress view', () => {
  const midway = () =>
    dumpingView(
      { tablesDone: 12, tablesTotal: 40, currentTable: 'public.resources', bytes: 84_000_000 },
      1000,
      41_000,
    );

  it('at 80 columns: percentage, bytes and ETA by the bar; count, rate and table below', () => {
    const lines = frameAt(midway(), 41_000, 80);
    // 12 of 40 tables; ETA from the table ratio; 84 MB in 40 s is 2.1 MB/s.
    assert.deepEqual(lines, [
      '✔ Check the backup share (/mnt/backup) 0.4s',
      '✔ Take the backup/restore lock 0.4s',
      '⠋ Dump and compress (pg_dump | gzip, inside the db container) 40s',
      `  ${'█'.repeat(12)}${'░'.repeat(28)} 30% · 84.0 MB written · ETA 1m33s`,
      '  12 / 40 · 2.1 MB/s · table public.resources',
      '  next: Verify the dump (complete gzip, pg_dump header and end) › Publish as /m…',
      'Ctrl-C stops safely',
    ]);
    assertFits(lines, 80);
  });

  it('at 60 columns: the bar and the title give way, the elapsed time and the numbers stay', () => {
    const lines = frameAt(midway(), 41_000, 60);
    assert.deepEqual(lines, [
      '✔ Check the backup share (/mnt/backup) 0.4s',
      '✔ Take the backup/restore lock 0.4s',
      '⠋ Dump and compress (pg_dump | gzip, inside the db cont… 40s',
      `  ${'█'.repeat(7)}${'░'.repeat(17)} 30% · 84.0 MB written · ETA 1m33s`,
      '  12 / 40 · 2.1 MB/s · table public.resources',
      '  next: Verify the dump (complete gzip, pg_dump header and …',
      'Ctrl-C stops safely',
    ]);
    assertFits(lines, 60);
  });

  it('before the first table: no total yet, no rate, no bar', () => {
    const view = dumpingView(
      { tablesDone: 0, tablesTotal: undefined, currentTable: undefined, bytes: 0 },
      1000,
      3000,
    );
    const titles = {
      80: '⠋ Dump and compress (pg_dump | gzip, inside the db container) 2.0s',
      60: '⠋ Dump and compress (pg_dump | gzip, inside the db con… 2.0s',
    };
    for (const width of [80, 60] as const) {
      const lines = frameAt(view, 3000, width);
      assert.equal(lines[2], titles[width]);
      assert.equal(lines[3], '  0 B written');
      assert.match(lines[4] ?? '', /^ {2}next: /);
      assertFits(lines, width);
    }
  });

  it('the last table: 100% and the whole share of bytes, at 80 and 60 columns', () => {
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
    const at80 = frameAt(view, 30_000, 80);
    assert.equal(at80[3], `  ${'█'.repeat(40)} 100% · 262 MB written`);
    assert.equal(at80[4], '  40 / 40 · 8.7 MB/s · table public.attachedfiles');
    assertFits(at80, 80);
    const at60 = frameAt(view, 30_000, 60);
    assert.equal(at60[3], `  ${'█'.repeat(36)} 100% · 262 MB written`);
    assert.equal(at60[4], '  40 / 40 · 8.7 MB/s · table public.attachedfiles');
    assertFits(at60, 60);
  });

  it('the plain log keeps every part on one line', () => {
    const progress = dumpStepProgress({
      tablesDone: 12,
      tablesTotal: 40,
      currentTable: 'public.resources',
      bytes: 84_000_000,
    });
    assert.equal(
      describeProgress(progress, 40_000),
      '12 / 40, 30%, ETA 1m33s, 84.0 MB written, 2.1 MB/s, table public.resources, elapsed 40s',
    );
  });
});
