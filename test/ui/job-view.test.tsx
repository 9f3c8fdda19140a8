import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { Job } from '../../source/jobs/job.ts';
import { initialJobView, jobViewReducer } from '../../source/jobs/job-state.ts';
import { JobTask } from '../../source/ui/home/tasks.tsx';
import { JobApp } from '../../source/ui/job-app.tsx';
import { JobScreen } from '../../source/ui/job-view.tsx';
import { waitFor } from '../helpers/wait-for.ts';

afterEach(() => cleanup());

describe('JobScreen', () => {
  it('shows a running step with a progress bar, bytes, rate and ETA', () => {
    let view = jobViewReducer(initialJobView, {
      type: 'job-started',
      title: 'Backup',
      steps: [
        { id: 'a', title: 'Check' },
        { id: 'b', title: 'Dump' },
      ],
      at: 0,
    });
    view = jobViewReducer(view, { type: 'step-started', id: 'a', title: 'Check', at: 0 });
    view = jobViewReducer(view, {
      type: 'step-finished',
      id: 'a',
      title: 'Check',
      durationMs: 1200,
      summary: 'share mounted',
      at: 1200,
    });
    view = jobViewReducer(view, { type: 'step-started', id: 'b', title: 'Dump', at: 1200 });
    view = jobViewReducer(view, {
      type: 'step-progress',
      id: 'b',
      progress: { done: 50_000_000, total: 200_000_000, unit: 'bytes' },
      startedAt: 1200,
      at: 11_200,
    });
    const { lastFrame } = render(<JobScreen view={view} now={11_200} width={80} />);
    const frame = lastFrame() ?? '';
    assert.match(frame, /✔ Check 1\.2s · share mounted/);
    assert.match(frame, /Dump/);
    assert.match(frame, /25%/);
    assert.match(frame, /50\.0 MB \/ 200 MB/);
    assert.match(frame, /5\.0 MB\/s/);
    assert.match(frame, /ETA 30s/);
    assert.match(frame, /█/);
  });

  it('names the failed step and the state left behind', () => {
    let view = jobViewReducer(initialJobView, {
      type: 'job-started',
      title: 'Restore',
      steps: [{ id: 'a', title: 'Load dump' }],
      at: 0,
    });
    view = jobViewReducer(view, { type: 'step-started', id: 'a', title: 'Load dump', at: 0 });
    view = jobViewReducer(view, {
      type: 'step-failed',
      id: 'a',
      title: 'Load dump',
      durationMs: 5000,
      error: 'psql failed',
      interrupted: false,
      at: 5000,
    });
    view = jobViewReducer(view, {
      type: 'job-finished',
      result: {
        outcome: 'failed',
        durationMs: 5000,
        exitCode: 1,
        stoppedAt: { id: 'a', title: 'Load dump' },
        error: 'psql failed',
        state: 'services stopped',
      },
      at: 5000,
    });
    const frame = render(<JobScreen view={view} now={5000} width={80} />).lastFrame() ?? '';
    assert.match(frame, /✖ Load dump/);
    assert.match(frame, /Failed at "Load dump": psql failed/);
    assert.match(frame, /State: services stopped/);
  });
});

describe('JobApp', () => {
  it('runs a job and turns Ctrl-C into an interruption that names the step', async () => {
    const job: Job = {
      title: 'Demo',
      steps: [
        { id: 'one', title: 'First step', run: async () => ({ summary: 'ok' }) },
        {
          id: 'two',
          title: 'Waiting step',
          run: ({ signal }) =>
            new Promise((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(new Error('stop'))),
            ),
        },
      ],
      describeState: () => 'nothing changed',
    };
    const controller = new AbortController();
    let outcome: string | undefined;
    const { lastFrame, stdin, frames } = render(
      <JobApp
        job={job}
        controller={controller}
        onDone={(result) => (outcome = result.outcome)}
        exitWhenDone={false}
      />,
    );
    await waitFor(() => /Waiting step/.test(lastFrame() ?? ''));
    stdin.write('\u0003');
    await waitFor(() => outcome === 'interrupted');
    await waitFor(() => /Interrupted during "Waiting step"/.test(frames.join('\n')));
    assert.match(frames.join('\n'), /✔ First step/);
    assert.match(frames.join('\n'), /State: nothing changed/);
  });
});

describe('job heading', () => {
  it('draws the task title once, above the finished steps', async () => {
    const job: Job = {
      title: 'Start services',
      steps: [
        { id: 'db', title: 'Start the database (db)', run: async () => ({ summary: 'up' }) },
        { id: 'wait', title: 'Wait until the database is healthy', run: async () => {} },
        { id: 'orthanc', title: 'Start Orthanc (orthanc)', run: async () => {} },
      ],
    };
    let note: string | undefined;
    const app = render(
      <JobTask
        title="Start services"
        makeJob={() => job}
        color={false}
        onDone={(value) => {
          note = value;
        }}
      />,
    );
    await waitFor(() => (app.lastFrame() ?? '').includes('Enter or Esc: back to home'));
    const lines = (app.lastFrame() ?? '').split('\n');
    const titles = lines.filter((line) => line.trim() === 'Start services');
    assert.equal(titles.length, 1, lines.join('\n'));
    const titleAt = lines.indexOf('Start services');
    const ticks = lines.flatMap((line, index) => (line.startsWith('✔') ? [index] : []));
    assert.equal(ticks.length, 3, lines.join('\n'));
    assert.equal(titleAt, 0, lines.join('\n'));
    assert.ok(ticks.every((index) => index > titleAt));
    assert.match(lines.at(-1) ?? '', /Enter or Esc: back to home/);
    app.stdin.write('\r');
    await waitFor(() => note !== undefined);
    assert.equal(note, 'Start services: done');
  });
});
