import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { DumpFile } from '../../source/dumps/list-dumps.ts';
import type { Job } from '../../source/jobs/job.ts';
import type { RestorePlan } from '../../source/restore/preflight.ts';
import { RestoreApp, type RestoreServices } from '../../source/ui/restore/restore-app.tsx';
import { waitFor } from '../helpers/wait-for.ts';

afterEach(() => cleanup());

const now = Date.parse('2026-01-10T12:00:00Z');
const dumps: DumpFile[] = [
  {
    name: 'nightly.sql.gz',
    sizeBytes: 1_200_000_000,
    modifiedMs: now - 3_600_000,
    compressed: true,
  },
  {
    name: 'ovena-db-backup.sql.gz',
    sizeBytes: 900_000_000,
    modifiedMs: now - 7_200_000,
    compressed: true,
  },
  {
    name: 'old-export.sql',
    sizeBytes: 5_000_000,
    modifiedMs: now - 86_400_000 * 3,
    compressed: false,
  },
];

function planFor(dump: DumpFile): RestorePlan {
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
  };
}

type Calls = { listed: number; checked: string[]; ran: string[] };

function fakeServices(calls: Calls, job?: Job, startJob?: Job): RestoreServices {
  return {
    listDumps: async () => {
      calls.listed++;
      return dumps;
    },
    preflight: async (dump) => {
      const found = typeof dump === 'string' ? dumps.find((d) => d.name === dump) : dump;
      if (!found) throw new Error('not found');
      calls.checked.push(found.name);
      return planFor(found);
    },
    restoreJob: (plan) => {
      calls.ran.push(plan.dump.name);
      return job ?? { title: 'Restore', steps: [] };
    },
    besideJob: (plan) => {
      calls.ran.push(`beside ${plan.dump.name}`);
      return { title: 'Restore beside', steps: [] };
    },
    startJob: () => startJob ?? { title: 'Start', steps: [] },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));
const enter = '\r';
const escapeKey = '\u001B';
const down = '\u001B[B';

describe('restore picker', () => {
  it('lists dumps newest first with size and age, filters as you type, Enter checks (never runs)', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const { lastFrame, stdin } = render(
      <RestoreApp
        services={fakeServices(calls)}
        now={now}
        controller={new AbortController()}
        onExit={() => {}}
      />,
    );
    await waitFor(() => lastFrame()?.includes('nightly.sql.gz') ?? false, 2000, 'the list');
    const frame = lastFrame() ?? '';
    assert.ok(frame.indexOf('nightly') < frame.indexOf('ovena-db-backup'), frame);
    assert.match(frame, /› nightly\.sql\.gz\s+1\.2 GB .*1h 0m ago/);
    assert.match(frame, /old-export\.sql\s+5\.0 MB .*3d 0h ago/);
    assert.equal(calls.listed, 1);
    await tick();
    stdin.write('old');
    await waitFor(() => !(lastFrame() ?? '').includes('nightly'), 2000, 'filter');
    assert.match(lastFrame() ?? '', /Filter: old/);
    assert.match(lastFrame() ?? '', /› old-export\.sql/);
    stdin.write(enter);
    await waitFor(() => (lastFrame() ?? '').includes('DESTROY'), 2000, 'confirmation');
    assert.deepEqual(calls.checked, ['old-export.sql']);
    assert.deepEqual(calls.ran, [], 'selecting a dump never starts the restore');
  });

  it('Esc in the list leaves with nothing done', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    let exitCode: number | undefined;
    const { lastFrame, stdin } = render(
      <RestoreApp
        services={fakeServices(calls)}
        now={now}
        controller={new AbortController()}
        onExit={(code) => {
          exitCode = code;
        }}
      />,
    );
    await waitFor(() => lastFrame()?.includes('nightly.sql.gz') ?? false, 2000, 'the list');
    await tick();
    stdin.write(down);
    await waitFor(() => /› ovena-db-backup/.test(lastFrame() ?? ''), 2000, 'cursor');
    stdin.write(escapeKey);
    await waitFor(() => exitCode !== undefined, 2000, 'exit');
    assert.equal(exitCode, 0);
    assert.deepEqual(calls.checked, []);
    assert.deepEqual(calls.ran, []);
  });
});

/** Renders the restore screen up to its typed confirmation. */
async function atConfirm(calls: Calls, job?: Job, startJob?: Job) {
  let exitCode: number | undefined;
  const app = render(
    <RestoreApp
      services={fakeServices(calls, job, startJob)}
      file="nightly.sql.gz"
      now={now}
      controller={new AbortController()}
      onExit={(code) => {
        exitCode = code;
      }}
    />,
  );
  await waitFor(() => (app.lastFrame() ?? '').includes('DESTROY'), 2000, 'confirmation');
  await tick();
  return { ...app, exitCode: () => exitCode };
}

describe('restore confirmation', () => {
  it('says what is destroyed and what is loaded, and whether a safety dump is made', async () => {
    const { lastFrame } = await atConfirm({ listed: 0, checked: [], ran: [] });
    const frame = lastFrame() ?? '';
    assert.match(frame, /Will load\s+nightly\.sql\.gz, 1\.2 GB/);
    assert.match(
      frame,
      /Will destroy the database volume proj_db-data \(database 8\.4 MB, 14 tables\)/,
    );
    assert.match(frame, /Orthanc now +3 patients, 4 studies, 42 instances/);
    assert.match(frame, /Safety dump +the current database is dumped/);
    assert.match(frame, /Type the dump's name nightly\.sql\.gz/);
  });

  it('Enter alone does not confirm (it cancels)', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const app = await atConfirm(calls);
    app.stdin.write(enter);
    await waitFor(() => app.exitCode() !== undefined, 2000, 'exit');
    assert.equal(app.exitCode(), 0);
    assert.deepEqual(calls.ran, []);
  });

  it('a wrong name does not confirm', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const app = await atConfirm(calls);
    app.stdin.write('ovena-db-backup.sql.gz');
    await waitFor(() => (app.lastFrame() ?? '').includes('> ovena-db-backup'), 2000, 'typed');
    app.stdin.write(enter);
    await waitFor(() => (app.lastFrame() ?? '').includes('not the dump'), 2000, 'mismatch');
    assert.deepEqual(calls.ran, []);
    assert.equal(app.exitCode(), undefined);
  });

  it('Esc cancels', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const app = await atConfirm(calls);
    app.stdin.write('nightly');
    await tick();
    app.stdin.write(escapeKey);
    await waitFor(() => app.exitCode() !== undefined, 2000, 'exit');
    assert.deepEqual(calls.ran, []);
  });

  it('the exact name runs the job and shows its progress', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    let release: () => void = () => {};
    const job: Job = {
      title: 'Restore',
      steps: [
        {
          id: 'load',
          title: 'Load nightly.sql.gz',
          run: async ({ progress, signal }) => {
            progress({ done: 300_000_000, total: 1_200_000_000, unit: 'bytes' });
            await new Promise<void>((resolve) => {
              release = resolve;
              signal.addEventListener('abort', () => resolve());
            });
          },
        },
      ],
      successSummary: () => 'database restored from nightly.sql.gz',
    };
    const app = await atConfirm(calls, job);
    app.stdin.write('nightly.sql.gz');
    await tick();
    app.stdin.write(enter);
    await waitFor(() => /Load nightly\.sql\.gz/.test(app.lastFrame() ?? ''), 2000, 'job view');
    await waitFor(
      () => /█+░+ 25% · 300 MB \/ 1\.2 GB/.test(app.lastFrame() ?? ''),
      2000,
      'progress',
    );
    assert.deepEqual(calls.ran, ['nightly.sql.gz']);
    release();
    await waitFor(() => (app.lastFrame() ?? '').includes('Start Orthanc now?'), 3000, 'question');
    app.stdin.write('n');
    await waitFor(() => app.exitCode() !== undefined, 2000, 'exit');
    assert.equal(app.exitCode(), 0);
  });
});

describe('restore job views', () => {
  const quickStep = (id: string, title: string, summary: string) => ({
    id,
    title,
    run: async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { summary };
    },
  });

  it('keeps every finished step on screen when the next screen replaces a job view', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const job: Job = {
      title: 'Restore',
      steps: [
        quickStep('load', 'Load nightly.sql.gz', '1.2 GB'),
        quickStep('check', 'Check the loaded database', '14 tables'),
      ],
      successSummary: () => 'database restored from nightly.sql.gz',
    };
    const startJob: Job = {
      title: 'Start',
      steps: [
        quickStep('start-orthanc', 'Start Orthanc', 'up'),
        quickStep('verdict', 'Read a sample of instance files', 'all 3 sampled files read'),
      ],
    };
    const app = await atConfirm(calls, job, startJob);
    app.stdin.write('nightly.sql.gz');
    await tick();
    app.stdin.write(enter);
    await waitFor(() => (app.lastFrame() ?? '').includes('Start Orthanc now?'), 3000, 'question');
    // The last step finishes in the same moment the question replaces the job view.
    assert.match(app.lastFrame() ?? '', /✔ Load nightly\.sql\.gz .*· 1\.2 GB/);
    assert.match(app.lastFrame() ?? '', /✔ Check the loaded database .*· 14 tables/);
    app.stdin.write('y');
    await waitFor(() => app.exitCode() !== undefined, 3000, 'exit');
    assert.equal(app.exitCode(), 0);
    const frame = app.lastFrame() ?? '';
    assert.match(frame, /✔ Check the loaded database/);
    assert.match(frame, /✔ Start Orthanc .*· up/);
    assert.match(frame, /✔ Read a sample of instance files .*· all 3 sampled files read/);
  });
});

describe('restore on a signal (kill, SSH hang-up)', () => {
  it('SIGHUP at the confirmation ends the screen with 129, nothing run', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const controller = new AbortController();
    let exitCode: number | undefined;
    const { lastFrame } = render(
      <RestoreApp
        services={fakeServices(calls)}
        file="nightly.sql.gz"
        now={now}
        controller={controller}
        onExit={(code) => {
          exitCode = code;
        }}
      />,
    );
    await waitFor(() => (lastFrame() ?? '').includes('DESTROY'), 2000, 'confirmation');
    controller.abort('SIGHUP');
    await waitFor(() => exitCode !== undefined, 2000, 'exit');
    assert.equal(exitCode, 129);
    assert.deepEqual(calls.ran, []);
  });

  it('SIGTERM while Orthanc starts aborts the start job too', async () => {
    const calls: Calls = { listed: 0, checked: [], ran: [] };
    const controller = new AbortController();
    let startAborted = false;
    const startJob: Job = {
      title: 'Start',
      steps: [
        {
          id: 'start',
          title: 'Start Orthanc',
          run: ({ signal }) =>
            new Promise<void>((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                startAborted = true;
                reject(new Error('aborted'));
              });
            }),
        },
      ],
    };
    let exitCode: number | undefined;
    const { lastFrame, stdin } = render(
      <RestoreApp
        services={fakeServices(calls, undefined, startJob)}
        file="nightly.sql.gz"
        now={now}
        controller={controller}
        onExit={(code) => {
          exitCode = code;
        }}
      />,
    );
    await waitFor(() => (lastFrame() ?? '').includes('DESTROY'), 2000, 'confirmation');
    await tick();
    stdin.write('nightly.sql.gz');
    await tick();
    stdin.write(enter);
    await waitFor(() => (lastFrame() ?? '').includes('Start Orthanc now?'), 3000, 'question');
    stdin.write('y');
    await waitFor(() => (lastFrame() ?? '').includes('Start Orthanc'), 2000, 'start job');
    await tick();
    controller.abort('SIGTERM');
    await waitFor(() => exitCode !== undefined, 2000, 'exit');
    assert.equal(startAborted, true);
    assert.equal(exitCode, 143);
  });
});
