import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Text, useInput } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import type { Job } from '../../source/jobs/job.ts';
import type { HomeStatus } from '../../source/monitoring/home-status.ts';
import { HomeApp } from '../../source/ui/home/home-app.tsx';
import { JobTask, type TaskRegistry, type TaskScreenProps } from '../../source/ui/home/tasks.tsx';
import { waitFor } from '../helpers/wait-for.ts';

afterEach(() => cleanup());

const now = Date.now();
const hour = 3_600_000;

function healthy(overrides: Partial<HomeStatus> = {}): HomeStatus {
  return {
    services: [
      { name: 'db', role: 'db', state: 'running', health: 'healthy', up: true },
      { name: 'orthanc', role: 'orthanc', state: 'running', up: true },
    ],
    orthanc: { url: 'http://127.0.0.1:8042', reachable: true, version: '1.10.1', instances: 12 },
    lastBackup: {
      at: new Date(now - 20 * 60_000).toISOString(),
      file: 'ovena-db-backup.sql.gz',
      sizeBytes: 124_000_000,
      durationMs: 9000,
      result: 'ok',
    },
    schedule: { label: 'hourly', intervalMs: hour },
    sharesConfigured: true,
    problems: [],
    ...overrides,
  };
}

const down = '\u001B[B';
const up = '\u001B[A';
const enter = '\r';
const escapeKey = '\u001B';
const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

function renderHome(
  status: HomeStatus | (() => HomeStatus),
  tasks: TaskRegistry = {},
  onQuit?: () => void,
) {
  let loads = 0;
  const read = typeof status === 'function' ? status : () => status;
  const app = render(
    <HomeApp
      load={async () => {
        loads++;
        return read();
      }}
      tasks={tasks}
      color={false}
      refreshMs={50}
      {...(onQuit ? { onQuit } : {})}
    />,
  );
  return { ...app, loads: () => loads };
}

const frame = (app: { lastFrame(): string | undefined }) => app.lastFrame() ?? '';

describe('home screen status', () => {
  it('all healthy: OK, services, last backup, schedule, shares, menu and legend', async () => {
    const app = renderHome(healthy());
    await waitFor(() => frame(app).includes('OK'), 2000, 'OK verdict');
    const text = frame(app);
    assert.match(text, /ovena · Orthanc archive · OK/);
    assert.match(text, /db\s+running\s+healthy/);
    assert.match(text, /orthanc\s+running/);
    assert.match(text, /Orthanc 1\.10\.1 · 12 instances/);
    assert.match(text, /Last backup\s+20m ago · 124 MB · ok · ovena-db-backup\.sql\.gz/);
    assert.match(text, /Schedule\s+hourly \(every 1h00m\)/);
    assert.match(text, /CIFS shares\s+configured/);
    for (const label of [
      'Back up now',
      'Restore…',
      'CIFS shares…',
      'Start services',
      'Stop services',
      'Backup schedule…',
      'Quit',
    ]) {
      assert.ok(text.includes(label), label);
    }
    assert.match(text, /› Back up now/);
    assert.match(text, /↑↓ move · Enter open · q\/Esc quit/);
    assert.ok(!text.includes('\u001B['), 'no colour codes with color=false');
  });

  it('a service down: CRITICAL and which service', async () => {
    const status = healthy();
    status.services[0] = { name: 'db', role: 'db', state: 'exited', up: false };
    status.orthanc = { url: 'http://127.0.0.1:8042', reachable: false };
    const app = renderHome(status);
    await waitFor(() => frame(app).includes('CRITICAL'), 2000, 'CRITICAL');
    assert.match(frame(app), /db\s+exited/);
    assert.match(frame(app), /! db is exited/);
    assert.match(frame(app), /Orthanc not answering at http:\/\/127\.0\.0\.1:8042/);
  });

  it('last backup failed: CRITICAL with the error', async () => {
    const app = renderHome(
      healthy({
        lastBackup: {
          at: new Date(now - 2 * hour).toISOString(),
          file: 'ovena-db-backup.sql.gz',
          sizeBytes: 0,
          durationMs: 1000,
          result: 'failed',
          error: 'pg_dump: connection refused',
        },
      }),
    );
    await waitFor(() => frame(app).includes('CRITICAL'), 2000, 'CRITICAL');
    assert.match(frame(app), /Last backup\s+FAILED 2h 0m ago: pg_dump: connection refused/);
  });

  it('last backup older than the schedule allows: marked TOO OLD, warning', async () => {
    const status = healthy();
    if (status.lastBackup) status.lastBackup.at = new Date(now - 3 * hour).toISOString();
    const app = renderHome(status);
    await waitFor(() => frame(app).includes('WARNING'), 2000, 'WARNING');
    assert.match(frame(app), /Last backup\s+3h 0m ago .* TOO OLD/);
  });

  it('shares not configured and no backup yet: WARNING, said plainly', async () => {
    const { lastBackup: _none, ...rest } = healthy({ sharesConfigured: false });
    const app = renderHome(rest);
    await waitFor(() => frame(app).includes('WARNING'), 2000, 'WARNING');
    assert.match(frame(app), /CIFS shares\s+not configured \(local folders\)/);
    assert.match(frame(app), /Last backup\s+none recorded yet/);
  });

  it('refreshes the status while open', async () => {
    let instances = 1;
    const app = renderHome(() => {
      const status = healthy();
      status.orthanc.instances = instances;
      return status;
    });
    await waitFor(() => frame(app).includes('1 instances'), 2000, 'first status');
    instances = 7;
    await waitFor(() => frame(app).includes('7 instances'), 2000, 'refreshed status');
    assert.ok(app.loads() >= 2);
  });

  it('fits 60 columns: lines are cut, never wrapped', async () => {
    const status = healthy();
    if (status.lastBackup)
      status.lastBackup.file = `a-very-long-dump-name-${'x'.repeat(80)}.sql.gz`;
    const app = render(
      <HomeApp load={async () => status} tasks={{}} color={false} refreshMs={1000} />,
    );
    // ink-testing-library renders at 100 columns; the width prop is what HomeScreen cuts at.
    await waitFor(() => frame(app).includes('OK'), 2000, 'OK');
    const { HomeScreen } = await import('../../source/ui/home/home-screen.tsx');
    const { initialHomeState } = await import('../../source/ui/home/home-model.ts');
    const narrow = render(
      <HomeScreen
        state={{ ...initialHomeState, status }}
        now={now}
        width={60}
        rows={20}
        color={false}
      />,
    );
    const lines = (narrow.lastFrame() ?? '').split('\n');
    assert.ok(lines.length <= 19, `at most 19 lines at 20 rows, got ${lines.length}`);
    for (const line of lines) assert.ok(line.length <= 60, `cut at 60: "${line}"`);
    assert.ok(lines.some((line) => line.startsWith('Last backup') && line.endsWith('…')));
  });
});

describe('home screen navigation', () => {
  function fakeTask(name: string) {
    return ({ onDone }: TaskScreenProps) => {
      useInput((input) => {
        if (input === 'x') onDone(`${name}: done`);
      });
      return <Text>{name} task screen</Text>;
    };
  }

  const tasks: TaskRegistry = {
    backup: fakeTask('Backup'),
    restore: fakeTask('Restore'),
    cifs: fakeTask('CIFS'),
    schedule: fakeTask('Schedule'),
  };

  it('opens each task and comes back home', async () => {
    const app = renderHome(healthy(), tasks);
    await waitFor(() => frame(app).includes('OK'), 2000, 'home');
    await tick();
    const expected = ['Backup', 'Restore', 'CIFS', null, null, 'Schedule'];
    for (const [index, name] of expected.entries()) {
      if (name) {
        app.stdin.write(enter);
        await waitFor(() => frame(app).includes(`${name} task screen`), 2000, `${name} screen`);
        await tick();
        app.stdin.write('x');
        await waitFor(() => frame(app).includes(`${name}: done`), 2000, `back from ${name}`);
        assert.match(frame(app), /Back up now/);
        await tick();
      }
      if (index < expected.length - 1) {
        app.stdin.write(down);
        await tick();
      }
    }
    assert.match(frame(app), /› Backup schedule…/);
  });

  it('an entry with neither a screen nor a flow returns home saying how to run it from a shell', async () => {
    const app = renderHome(healthy());
    await waitFor(() => frame(app).includes('OK'), 2000, 'home');
    await tick();
    app.stdin.write(down);
    await tick();
    app.stdin.write(enter);
    await waitFor(
      () => frame(app).includes('Restore… runs from a shell: ovena restore'),
      2000,
      'the note',
    );
    assert.match(frame(app), /› Restore…/);
  });

  it('runs Start services as a job, stays until Enter, then returns home with a note', async () => {
    let ran = 0;
    const job: Job = {
      title: 'Start services',
      steps: [
        {
          id: 'a',
          title: 'Start the database (db)',
          async run() {
            ran++;
            await new Promise((resolve) => setTimeout(resolve, 30));
          },
        },
      ],
    };
    const makeJob = () => job;
    const app = renderHome(healthy(), {
      start: (props) => <JobTask title="Start services" makeJob={makeJob} {...props} />,
    });
    await waitFor(() => frame(app).includes('OK'), 2000, 'home');
    await tick();
    for (let index = 0; index < 3; index++) {
      app.stdin.write(down);
      await tick();
    }
    assert.match(frame(app), /› Start services/);
    app.stdin.write(enter);
    await waitFor(() => frame(app).includes('Enter or Esc: back to home'), 3000, 'job done');
    assert.match(frame(app), /Done in/);
    await tick();
    app.stdin.write(enter);
    await waitFor(() => frame(app).includes('Start services: done'), 2000, 'note at home');
    assert.equal(ran, 1, 'the job ran once');
  });

  it('q, Esc and the Quit entry leave', async () => {
    for (const keys of [['q'], [escapeKey], [up, enter]]) {
      let exited = false;
      const app = renderHome(healthy(), {}, () => {
        exited = true;
      });
      await waitFor(() => frame(app).includes('OK'), 2000, 'home');
      await tick();
      for (const key of keys) {
        app.stdin.write(key);
        await tick();
      }
      await waitFor(() => exited, 2000, `exit after ${JSON.stringify(keys)}`);
      cleanup();
    }
  });
});
