import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { OvenaError } from '../../source/errors.ts';
import { executeJob } from '../../source/jobs/execute-job.ts';
import type { Job } from '../../source/jobs/job.ts';
import { restoreDocument } from '../../source/restore/restore-json.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => {
    text += String(chunk);
  });
  return { stream, text: () => text };
}

const restore: Job = {
  title: 'Restore x.sql.gz',
  steps: [{ id: 'load', title: 'Load x.sql.gz', run: async () => ({ summary: 'loaded' }) }],
  successSummary: () => 'database restored',
};

function startJob(fail: boolean): Job {
  return {
    title: 'Start Orthanc on the restored database',
    steps: [
      {
        id: 'orthanc',
        title: 'Wait until Orthanc answers',
        run: async () => {
          if (fail) throw new OvenaError('Orthanc did not answer', 69);
        },
      },
    ],
  };
}

describe('restore --json --start', () => {
  for (const fail of [false, true]) {
    it(`prints one JSON document for the restore and the start (start ${fail ? 'fails' : 'succeeds'})`, async () => {
      const stdout = capture();
      const stderr = capture();
      const context = {
        interactive: false,
        json: true,
        io: { stdin: new PassThrough(), stdout: stdout.stream, stderr: stderr.stream },
        signal: new AbortController().signal,
      };
      // What commands/restore.ts does: both jobs without their own document, then one document.
      const restored = {
        job: restore,
        result: await executeJob(restore, context, { jsonDocument: false }),
      };
      const start = startJob(fail);
      const started = {
        job: start,
        result: await executeJob(start, context, { jsonDocument: false }),
      };
      assert.equal(stdout.text(), '', 'nothing on stdout before the document');
      stdout.stream.write(`${JSON.stringify(restoreDocument(restored, started))}\n`);
      const lines = stdout.text().trim().split('\n');
      assert.equal(lines.length, 1, stdout.text());
      const document = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
      assert.equal(document.job, 'Restore x.sql.gz');
      assert.equal(document.outcome, 'succeeded');
      assert.equal(document.state, 'database restored');
      assert.equal(document.exitCode, fail ? 69 : 0);
      const nested = document.start as Record<string, unknown>;
      assert.equal(nested.job, 'Start Orthanc on the restored database');
      assert.equal(nested.outcome, fail ? 'failed' : 'succeeded');
      assert.equal(nested.exitCode, fail ? 69 : 0);
      if (fail) assert.equal(nested.error, 'Orthanc did not answer');
      // The plain logs of both jobs went to stderr.
      assert.match(stderr.text(), /done {4}Load x\.sql\.gz/);
      assert.match(stderr.text(), /Wait until Orthanc answers/);
    });
  }

  it('without --start the document is the restore job alone', async () => {
    const stdout = capture();
    const context = {
      interactive: false,
      json: true,
      io: { stdin: new PassThrough(), stdout: stdout.stream, stderr: capture().stream },
      signal: new AbortController().signal,
    };
    const result = await executeJob(restore, context, { jsonDocument: false });
    assert.equal(stdout.text(), '');
    const document = restoreDocument({ job: restore, result });
    assert.equal(document.start, undefined);
    assert.equal(document.exitCode, 0);
    // A job run without the option still writes its own document.
    await executeJob(restore, context);
    assert.equal(stdout.text().trim().split('\n').length, 1);
  });
});
