import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { backupJob } from '../../source/backup/backup-job.ts';
import { dumpStepProgress } from '../../source/backup/dump-steps.ts';
import type { Compose } from '../../source/compose/compose.ts';
import type { DumpFile } from '../../source/dumps/list-dumps.ts';
import type { JobEvent } from '../../source/jobs/job.ts';
import { initialJobView, jobViewReducer } from '../../source/jobs/job-state.ts';
import type { RestorePlan } from '../../source/restore/preflight.ts';
import { JobScreen } from '../../source/ui/job-view.tsx';
import type { RestoreState } from '../../source/ui/restore/restore-state.ts';
import { ConfirmScreen, DumpPicker } from '../../source/ui/restore/restore-views.tsx';
import { wrapWords } from '../../source/ui/wrap-words.ts';

afterEach(() => cleanup());

const now = Date.parse('2026-11-27T08:00:00Z');
const hour = 3_600_000;
const dumps: DumpFile[] = [
  {
    name: 'ovena-db-backup.sql.gz',
    sizeBytes: 1_234_000_000,
    modifiedMs: now - 3 * hour - 4 * 60_000,
    compressed: true,
  },
  {
    name: 'pre-restore-20261126T221503Z.sql.gz',
    sizeBytes: 987_000_000,
    modifiedMs: now - 9 * hour - 45 * 60_000,
    compressed: true,
  },
  {
    name: 'nightly-with-a-much-longer-name-than-usual-2026-11-20.sql.zst',
    sizeBytes: 45_600_000,
    modifiedMs: now - 6 * 24 * hour - 5 * hour,
    compressed: true,
  },
  { name: 'old-export.sql', sizeBytes: 5_000_000, modifiedMs: now - 45_000, compressed: false },
];

const picking: RestoreState = {
  phase: { kind: 'pick' },
  dumps,
  filter: '',
  cursor: 1,
  error: undefined,
  fixedDump: false,
  startAnswer: undefined,
};

const plan: RestorePlan = {
  dump: dumps[1] as DumpFile,
  path: '/mnt/backup/pre-restore-20261126T221503Z.sql.gz',
  safetyDump: { make: true },
  current: {
    dataVolume: 'ovena_db-data',
    database: { tables: 14, sizeBytes: 8_400_000, schemaVersion: '6', instances: 42 },
    orthanc: { CountPatients: 3, CountStudies: 4, CountSeries: 5, CountInstances: 42 },
    orthancRunning: true,
  },
  startedDatabase: false,
  marker: undefined,
  dumpScan: {
    counts: { patients: 3, studies: 4, series: 5, instances: 40 },
  } as RestorePlan['dumpScan'],
};

/** The frame, each line with its trailing spaces trimmed. */
function lines(frame: string | undefined): string[] {
  return (frame ?? '').split('\n').map((line) => line.trimEnd());
}

function assertFits(frame: string[], width: number) {
  for (const line of frame) assert.ok([...line].length <= width, `wider than ${width}: ${line}`);
}

describe('restore picker layouts', () => {
  it('80 columns: name, size, time to the minute, age; a long name is cut, never the age', () => {
    const frame = lines(render(<DumpPicker state={picking} now={now} width={80} />).lastFrame());
    assert.deepEqual(frame, [
      'Restore: pick a dump from the backup share (newest first)',
      'Filter: (type to filter)',
      '  ovena-db-backup.sql.gz                      1.2 GB 2026-11-27 04:56 3h 4m ago',
      '› pre-restore-20261126T221503Z.sql.gz         987 MB 2026-11-26 22:15 9h 45m ago',
      '  nightly-with-a-much-longer-name-than-usu…  45.6 MB 2026-11-21 03:00 6d 5h ago',
      '  old-export.sql                              5.0 MB 2026-11-27 07:59 45s ago',
      '↑/↓ choose · Enter check this dump · Esc leave',
    ]);
    assertFits(frame, 80);
  });

  it('60 columns: no absolute time; size and age first, the name takes what remains', () => {
    const frame = lines(render(<DumpPicker state={picking} now={now} width={60} />).lastFrame());
    assert.deepEqual(frame, [
      'Restore: pick a dump from the backup share (newest first)',
      'Filter: (type to filter)',
      '    1.2 GB 3h 4m ago  ovena-db-backup.sql.gz',
      '›   987 MB 9h 45m ago pre-restore-20261126T221503Z.sql.gz',
      '   45.6 MB 6d 5h ago  nightly-with-a-much-longer-name-than-…',
      '    5.0 MB 45s ago    old-export.sql',
      '↑/↓ choose · Enter check this dump · Esc leave',
    ]);
    assertFits(frame, 60);
  });

  it('60 columns with one short name: still narrow, no time (the layout goes by the width)', () => {
    const one = { ...picking, dumps: [dumps[3] as DumpFile], cursor: 0 };
    const frame = lines(render(<DumpPicker state={one} now={now} width={60} />).lastFrame());
    assert.equal(frame[2], '›   5.0 MB 45s ago old-export.sql');
  });

  it('short names at 80 columns keep the 32-column name field', () => {
    const short = { ...picking, dumps: [dumps[0] as DumpFile, dumps[3] as DumpFile], cursor: 0 };
    const frame = lines(render(<DumpPicker state={short} now={now} width={80} />).lastFrame());
    assert.equal(
      frame[2],
      '› ovena-db-backup.sql.gz             1.2 GB 2026-11-27 04:56 3h 4m ago',
    );
    assert.equal(frame[3], '  old-export.sql                     5.0 MB 2026-11-27 07:59 45s ago');
  });
});

describe('restore confirmation layouts', () => {
  it('80 columns: every value in one column, wrapped lines under their value', () => {
    const frame = lines(
      render(
        <ConfirmScreen
          plan={plan}
          mode="scratch"
          typed="pre"
          mismatch={false}
          now={now}
          width={80}
        />,
      ).lastFrame(),
    );
    assert.deepEqual(frame, [
      'Restore will DESTROY the current database',
      'Will load    pre-restore-20261126T221503Z.sql.gz, 987 MB, 2026-11-26 22:15:00Z',
      '             (9h 45m ago)',
      'Will destroy the database volume ovena_db-data (database 8.4 MB, 14 tables)',
      'Orthanc now  3 patients, 4 studies, 42 instances',
      'Dump holds   3 patients, 4 studies, 5 series, 40 instances',
      'Difference   the archive now has 2 instances more than the dump: they will leave',
      '             the index; their files stay on the share',
      'Safety dump  the current database is dumped to pre-restore-<UTC time>.sql.gz',
      '             first',
      '',
      "Type the dump's name pre-restore-20261126T221503Z.sql.gz and press Enter to go",
      'on.',
      '> pre',
      'Enter alone or Esc cancels',
    ]);
    assertFits(frame, 80);
  });

  it('60 columns: the labels keep their column, wrapped lines align under the values', () => {
    const frame = lines(
      render(
        <ConfirmScreen
          plan={plan}
          mode="scratch"
          typed="pre"
          mismatch={false}
          now={now}
          width={60}
        />,
      ).lastFrame(),
    );
    assert.deepEqual(frame, [
      'Restore will DESTROY the current database',
      'Will load    pre-restore-20261126T221503Z.sql.gz, 987 MB,',
      '             2026-11-26 22:15:00Z (9h 45m ago)',
      'Will destroy the database volume ovena_db-data (database 8.4',
      '             MB, 14 tables)',
      'Orthanc now  3 patients, 4 studies, 42 instances',
      'Dump holds   3 patients, 4 studies, 5 series, 40 instances',
      'Difference   the archive now has 2 instances more than the',
      '             dump: they will leave the index; their files',
      '             stay on the share',
      'Safety dump  the current database is dumped to',
      '             pre-restore-<UTC time>.sql.gz first',
      '',
      "Type the dump's name pre-restore-20261126T221503Z.sql.gz and",
      'press Enter to go on.',
      '> pre',
      'Enter alone or Esc cancels',
    ]);
    assertFits(frame, 60);
  });

  // Issue 18: the confirmation offers beside and from scratch; the reason sits under the choice.
  const withBeside: RestorePlan = {
    ...plan,
    besideAdvice: 'recommended: (the choice below says it)',
    beside: {
      possible: true,
      reason:
        'no downtime until a switch of seconds; the current database is kept as orthanc_before_<UTC>',
    },
  };
  const confirmFrame = (shown: RestorePlan, mode: 'beside' | 'scratch') =>
    lines(
      render(
        <ConfirmScreen plan={shown} mode={mode} typed="" mismatch={false} now={now} width={60} />,
      ).lastFrame(),
    );

  it('60 columns, beside preselected: nothing destroyed, so no volume, no safety dump', () => {
    const frame = confirmFrame(withBeside, 'beside');
    assert.deepEqual(frame, [
      'Restore beside: the current database is kept',
      'Will load    pre-restore-20261126T221503Z.sql.gz, 987 MB,',
      '             2026-11-26 22:15:00Z (9h 45m ago)',
      'Orthanc now  3 patients, 4 studies, 42 instances',
      'Dump holds   3 patients, 4 studies, 5 series, 40 instances',
      'Difference   the archive now has 2 instances more than the',
      '             dump: they will leave the index; their files',
      '             stay on the share',
      '',
      '› beside (recommended)     from scratch',
      'Beside: no downtime until a switch of seconds; the current',
      'database is kept as orthanc_before_<UTC>',
      '',
      'Type yes and press Enter to load the dump beside the live',
      'database while Orthanc runs, then switch (Orthanc stops for',
      'seconds).',
      '>',
      '←/→ or Tab choose · Enter alone or Esc cancels',
    ]);
    assertFits(frame, 60);
  });

  it('60 columns, from scratch chosen: the plan as before, the choice in place of the Beside row', () => {
    const frame = confirmFrame(withBeside, 'scratch');
    assert.deepEqual(frame, [
      'Restore will DESTROY the current database',
      'Will load    pre-restore-20261126T221503Z.sql.gz, 987 MB,',
      '             2026-11-26 22:15:00Z (9h 45m ago)',
      'Will destroy the database volume ovena_db-data (database 8.4',
      '             MB, 14 tables)',
      'Orthanc now  3 patients, 4 studies, 42 instances',
      'Dump holds   3 patients, 4 studies, 5 series, 40 instances',
      'Difference   the archive now has 2 instances more than the',
      '             dump: they will leave the index; their files',
      '             stay on the share',
      'Safety dump  the current database is dumped to',
      '             pre-restore-<UTC time>.sql.gz first',
      '',
      '  beside (recommended)   › from scratch',
      'Beside: no downtime until a switch of seconds; the current',
      'database is kept as orthanc_before_<UTC>',
      '',
      "Type the dump's name pre-restore-20261126T221503Z.sql.gz and",
      'press Enter to go on.',
      '>',
      '←/→ or Tab choose · Enter alone or Esc cancels',
    ]);
    assertFits(frame, 60);
  });

  it('60 columns, beside not possible: shown with the numbers, from scratch recommended', () => {
    const tooSmall: RestorePlan = {
      ...withBeside,
      beside: {
        possible: false,
        reason: 'it needs about 2.1 GB in the database volume, 1.5 GB free',
      },
    };
    const frame = confirmFrame(tooSmall, 'scratch');
    assert.deepEqual(frame.slice(12), [
      '',
      '  beside (not possible)   › from scratch (recommended)',
      'Beside: it needs about 2.1 GB in the database volume, 1.5 GB',
      'free',
      '',
      "Type the dump's name pre-restore-20261126T221503Z.sql.gz and",
      'press Enter to go on.',
      '>',
      'Enter alone or Esc cancels',
    ]);
    assertFits(frame, 60);
  });

  it('wrapping drops the space at the break and cuts a word longer than the line', () => {
    assert.deepEqual(wrapWords('the database volume ovena_db-data', 12), [
      'the database',
      'volume',
      'ovena_db-dat',
      'a',
    ]);
    assert.deepEqual(wrapWords('', 10), ['']);
  });
});

describe('backup progress weighted by table size, at 80 and 60 columns', () => {
  const { job } = backupJob({} as Compose, { fileName: 'nightly.sql', stateDir: '/nonexistent' });
  const events: JobEvent[] = [
    {
      type: 'job-started',
      title: job.title,
      steps: job.steps.map(({ id, title }) => ({ id, title })),
      at: 0,
    },
  ];
  let clock = 0;
  for (const step of job.steps.slice(0, 2)) {
    events.push({ type: 'step-started', id: step.id, title: step.title, at: clock });
    events.push({
      type: 'step-finished',
      id: step.id,
      title: step.title,
      durationMs: 400,
      summary: undefined,
      at: clock + 400,
    });
    clock += 400;
  }
  const dump = job.steps[2];
  assert.ok(dump);
  events.push({ type: 'step-started', id: dump.id, title: dump.title, at: 1000 });
  // The one big table, 2 tables of 11 started: 45% of the bytes, not 18% of the tables.
  events.push({
    type: 'step-progress',
    id: dump.id,
    progress: dumpStepProgress({
      tablesDone: 2,
      tablesTotal: 11,
      currentTable: 'public.big',
      bytes: 90_000_000,
      fraction: 0.45,
    }),
    startedAt: 1000,
    at: 46_000,
  });
  const view = events.reduce(jobViewReducer, initialJobView);

  it('80 columns', () => {
    const frame = lines(render(<JobScreen view={view} now={46_000} width={80} />).lastFrame());
    assert.deepEqual(frame, [
      '✔ Check the backup share (/mnt/backup) 0.4s',
      '✔ Take the backup/restore lock 0.4s',
      '⠋ Dump and compress (pg_dump | gzip, inside the db container) 45s',
      `  ${'█'.repeat(18)}${'░'.repeat(22)} 45% · 90.0 MB written · ETA 55s`,
      '  2 / 11 · 2.0 MB/s · table public.big',
      '  next: Verify the dump (complete gzip, pg_dump header and end) › Publish as /m…',
      'Ctrl-C stops safely',
    ]);
    assertFits(frame, 80);
  });

  it('60 columns', () => {
    const frame = lines(render(<JobScreen view={view} now={46_000} width={60} />).lastFrame());
    assert.deepEqual(frame, [
      '✔ Check the backup share (/mnt/backup) 0.4s',
      '✔ Take the backup/restore lock 0.4s',
      '⠋ Dump and compress (pg_dump | gzip, inside the db cont… 45s',
      `  ${'█'.repeat(12)}${'░'.repeat(14)} 45% · 90.0 MB written · ETA 55s`,
      '  2 / 11 · 2.0 MB/s · table public.big',
      '  next: Verify the dump (complete gzip, pg_dump header and …',
      'Ctrl-C stops safely',
    ]);
    assertFits(frame, 60);
  });
});
