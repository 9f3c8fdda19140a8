import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { ExecStreamOptions } from '../../source/compose/exec-stream.ts';
import type { CheckTarget } from '../../source/images/check-target.ts';
import { runImagesCheck } from '../../source/images/run-check.ts';
import type { PgTarget } from '../../source/load/pg-target.ts';

/**
 * A command that writes sorted index lines without end, with backpressure, as psql's COPY behind
 * docker exec does, until it is aborted (then it fails with the abort's reason, as execStream).
 */
function endlessIndex(): {
  stream: PgTarget['stream'];
  state: { aborted: boolean; ended: boolean };
} {
  const state = { aborted: false, ended: false };
  const stream = async (_argv: readonly string[], options: ExecStreamOptions) => {
    const { stdout, signal } = options;
    assert.ok(stdout && signal);
    try {
      for (let n = 0; ; n++) {
        if (signal.aborted) {
          state.aborted = true;
          signal.throwIfAborted();
        }
        const line = `f${n.toString(16).padStart(31, '0')}\t1\t10\t${n}\n`;
        // Yields as a pipe does, so a drained destination does not starve the event loop.
        if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
        if (!stdout.write(line)) {
          // A destination nobody reads never drains: only the abort ends this wait.
          await Promise.race([once(stdout, 'drain'), once(signal, 'abort')]);
        }
      }
    } finally {
      state.ended = true;
    }
  };
  return { stream, state };
}

function target(stream: PgTarget['stream'], orthanc: CheckTarget['orthanc']): CheckTarget {
  return {
    db: { where: 'the db container', user: 'orthanc', database: 'orthanc', stream } as PgTarget,
    orthanc,
    storageDirectory: '/var/lib/orthanc/db',
  };
}

/** Fails the test instead of hanging it. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${ms} ms (hang)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('the two sides of a check stop together', () => {
  it('the file side fails while the index side is blocked on a full pipe: the check fails with its error, the index command is aborted and waited for', async () => {
    const index = endlessIndex();
    const check = runImagesCheck(
      target(index.stream, async () => {
        // Fails once the index side has filled what the merge does not read.
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error(
          'the listing of the storage folder failed in the orthanc container: paused',
        );
      }),
      { signal: new AbortController().signal },
    );
    await assert.rejects(within(5000, check), /the listing of the storage folder failed/);
    assert.equal(index.state.aborted, true);
    assert.equal(index.state.ended, true);
  });

  it('the merge stops early (the file side is not sorted): the index command still streaming is aborted', async () => {
    const index = endlessIndex();
    const check = runImagesCheck(
      target(index.stream, async (_argv, options) => {
        options.stdout?.write(`0001\t1\t1.0\t00/01/0001\n0000\t1\t1.0\t00/00/0000\n`);
      }),
      { signal: new AbortController().signal },
    );
    await assert.rejects(within(5000, check), /storage folder listing is not sorted/);
    assert.equal(index.state.aborted, true);
    assert.equal(index.state.ended, true);
  });

  it('the index side fails first: the listing still running is aborted', async () => {
    let listingAborted = false;
    const check = runImagesCheck(
      target(
        async () => {
          throw new Error('the index query (psql) failed in the db container: no database');
        },
        async (_argv, options) => {
          const { signal } = options;
          assert.ok(signal);
          if (!signal.aborted) await once(signal, 'abort');
          listingAborted = true;
          signal.throwIfAborted();
        },
      ),
      { signal: new AbortController().signal },
    );
    await assert.rejects(within(5000, check), /the index query \(psql\) failed/);
    assert.equal(listingAborted, true);
  });
});
