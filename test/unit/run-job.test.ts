import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { OvenaError } from '../../source/errors.ts';
import { type Job, type JobEvent, SkipStep } from '../../source/jobs/job.ts';
import { createPlainRenderer } from '../../source/jobs/plain-renderer.ts';
import { runJob } from '../../source/jobs/run-job.ts';

function collect(): { events: JobEvent[]; onEvent(event: JobEvent): void } {
  const events: JobEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

describe('runJob', () => {
  it('runs steps in order and reports each', async () => {
    const order: string[] = [];
    const job: Job = {
      title: 'demo',
      steps: [
        { id: 'a', title: 'A', run: async () => void order.push('a') },
        { id: 'b', title: 'B', run: async () => ({ summary: 'fine' }) },
        {
          id: 'c',
          title: 'C',
          run: async () => {
            throw new SkipStep('nothing to do');
          },
        },
      ],
      successSummary: () => 'all good',
    };
    const { events, onEvent } = collect();
    const result = await runJob(job, { signal: new AbortController().signal, onEvent });
    assert.equal(result.outcome, 'succeeded');
    assert.equal(result.exitCode, 0);
    assert.equal(result.state, 'all good');
    assert.deepEqual(order, ['a']);
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'job-started',
        'step-started',
        'step-finished',
        'step-started',
        'step-finished',
        'step-started',
        'step-skipped',
        'job-finished',
      ],
    );
    const finished = events.find((event) => event.type === 'step-finished' && event.id === 'b');
    assert.equal(finished?.type === 'step-finished' ? finished.summary : undefined, 'fine');
  });

  it('stops at a failing step, keeps its exit code and says where things stand', async () => {
    let ranAfter = false;
    const job: Job = {
      title: 'demo',
      steps: [
        {
          id: 'a',
          title: 'A',
          run: async () => {
            throw new OvenaError('db down', 69);
          },
        },
        {
          id: 'b',
          title: 'B',
          run: async () => {
            ranAfter = true;
          },
        },
      ],
      describeState: (stoppedAt, outcome) => `${outcome} at ${stoppedAt}`,
    };
    const result = await runJob(job, { signal: new AbortController().signal, onEvent: () => {} });
    assert.equal(result.outcome, 'failed');
    assert.equal(result.exitCode, 69);
    assert.equal(result.error, 'db down');
    assert.equal(result.state, 'failed at a');
    assert.equal(ranAfter, false);
  });

  it('turns an abort into an interruption of the running step, after it cleaned up', async () => {
    const controller = new AbortController();
    let cleanedUp = false;
    const job: Job = {
      title: 'demo',
      steps: [
        {
          id: 'long',
          title: 'Long',
          run: ({ signal }) =>
            new Promise((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                setTimeout(() => {
                  cleanedUp = true;
                  reject(new Error('aborted'));
                }, 20);
              });
            }),
        },
        { id: 'next', title: 'Next', run: async () => {} },
      ],
      describeState: (stoppedAt) => `stopped in ${stoppedAt}`,
    };
    setTimeout(() => controller.abort('SIGINT'), 10);
    const result = await runJob(job, { signal: controller.signal, onEvent: () => {} });
    assert.equal(cleanedUp, true);
    assert.equal(result.outcome, 'interrupted');
    assert.equal(result.exitCode, 130);
    assert.deepEqual(result.stoppedAt, { id: 'long', title: 'Long' });
    assert.equal(result.state, 'stopped in long');
  });

  it('reports SIGTERM with exit code 143', async () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const result = await runJob(
      { title: 't', steps: [{ id: 'a', title: 'A', run: async () => {} }] },
      { signal: controller.signal, onEvent: () => {} },
    );
    assert.equal(result.exitCode, 143);
  });

  it('throttles progress events', async () => {
    let clock = 0;
    const { events, onEvent } = collect();
    const job: Job = {
      title: 't',
      steps: [
        {
          id: 'p',
          title: 'P',
          run: async ({ progress }) => {
            for (let index = 1; index <= 100; index++) {
              clock += 1;
              progress({ done: index, total: 100, unit: 'items' });
            }
          },
        },
      ],
    };
    await runJob(job, {
      signal: new AbortController().signal,
      onEvent,
      progressIntervalMs: 50,
      now: () => clock,
    });
    const progress = events.filter((event) => event.type === 'step-progress');
    assert.ok(progress.length <= 4, `got ${progress.length} progress events`);
    const last = progress.at(-1);
    assert.equal(last?.type === 'step-progress' ? last.progress.done : undefined, 100);
  });

  it('masks secrets in errors', async () => {
    const job: Job = {
      title: 't',
      steps: [
        {
          id: 'a',
          title: 'A',
          run: async () => {
            throw new Error('mount failed: password=hunter2,vers=3.0');
          },
        },
      ],
    };
    const result = await runJob(job, { signal: new AbortController().signal, onEvent: () => {} });
    assert.ok(!result.error?.includes('hunter2'));
  });
});

describe('plain renderer', () => {
  it('writes timestamped lines, throttles progress and names the interrupted step', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk) => {
      text += String(chunk);
    });
    const render = createPlainRenderer(stream, { progressEveryMs: 10_000 });
    const at = Date.parse('2026-01-02T03:04:05Z');
    render({ type: 'job-started', title: 'Backup', steps: [{ id: 'd', title: 'Dump' }], at });
    render({ type: 'step-started', id: 'd', title: 'Dump', at });
    render({
      type: 'step-progress',
      id: 'd',
      progress: { done: 1_000_000, unit: 'bytes' },
      startedAt: at,
      at: at + 1000,
    });
    render({
      type: 'step-progress',
      id: 'd',
      progress: { done: 5_000_000, total: 10_000_000, unit: 'bytes' },
      startedAt: at,
      at: at + 11_000,
    });
    render({
      type: 'step-failed',
      id: 'd',
      title: 'Dump',
      durationMs: 12_000,
      error: 'interrupted',
      interrupted: true,
      at: at + 12_000,
    });
    render({
      type: 'job-finished',
      result: {
        outcome: 'interrupted',
        durationMs: 12_000,
        exitCode: 130,
        stoppedAt: { id: 'd', title: 'Dump' },
        state: 'previous dump kept',
      },
      at: at + 12_000,
    });
    const lines = text.trim().split('\n');
    assert.equal(lines[0], '2026-01-02 03:04:05Z Backup: 1 steps');
    assert.equal(lines.filter((line) => line.includes('...')).length, 1);
    assert.match(text, /5\.0 MB \/ 10\.0 MB, 50%/);
    assert.match(text, /INTERRUPTED during "Dump"/);
    assert.match(text, /state: previous dump kept/);
    assert.ok(!text.includes('\u001B['), 'no cursor or colour codes');
  });
});

describe('plain log of a failed job', () => {
  it('names the error on exactly one line, with the state line after it', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk) => {
      text += String(chunk);
    });
    const job: Job = {
      title: 'Backup',
      steps: [
        { id: 'check', title: 'Check the backup share', run: async () => ({ summary: 'ok' }) },
        {
          id: 'dump',
          title: 'Dump and compress',
          run: async () => {
            throw new OvenaError('pg_dump failed: connection refused', 69);
          },
        },
        { id: 'publish', title: 'Publish', run: async () => {} },
      ],
      describeState: () => 'previous backups kept',
    };
    const result = await runJob(job, {
      signal: new AbortController().signal,
      onEvent: createPlainRenderer(stream),
    });
    assert.equal(result.outcome, 'failed');
    const lines = text.trim().split('\n');
    const naming = lines.filter((line) => line.includes('connection refused'));
    assert.equal(naming.length, 1, text);
    assert.match(
      naming[0] ?? '',
      /FAILED at "Dump and compress": pg_dump failed: connection refused$/,
    );
    assert.match(lines.at(-1) ?? '', /state: previous backups kept$/);
    assert.equal(lines.indexOf(naming[0] ?? ''), lines.length - 2);
    assert.equal(lines.filter((line) => line.includes('Dump and compress')).length, 3);
  });
});
