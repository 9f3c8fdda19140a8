import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backupJob } from '../../source/backup/backup-job.ts';
import { dumpSteps, dumpTarget } from '../../source/backup/dump-steps.ts';
import type { Compose } from '../../source/compose/compose.ts';
import type { ExecStreamOptions } from '../../source/compose/exec-stream.ts';
import type { Progress } from '../../source/jobs/job.ts';
import { safetyDumper } from '../../source/restore/safety-dumper.ts';

/**
 * A compose stand-in that answers the dump steps' container commands as the real scripts would:
 * the table sizes, the dump script's stderr lines (a table, its COPY, a size), the verification and the
 * publish (the final size). It records what ran, in order.
 */
const defaultLines = [
  'pg_dump: dumping contents of table "public.resources"',
  'ovena-chunks 0 0',
  'ovena-copy 500 90000 public.resources',
  'ovena-size 2000000',
];

function scriptedCompose(lines: string[] = defaultLines): { compose: Compose; ran: string[] } {
  const ran: string[] = [];
  const fake = {
    project: { dbService: 'db', dbUser: 'orthanc', dbName: 'orthanc' },
    async serviceState() {
      return { state: 'running' };
    },
    async execCapture(_service: string, argv: readonly string[]) {
      const name = argv[0] === 'sh' ? String(argv[3]) : String(argv[0]);
      ran.push(name);
      if (name === 'psql') return 'public.resources\t3000000\t1000\npublic.changes\t1000000\t500\n';
      if (name === 'ovena-publish') return '4096';
      return '';
    },
    async execStream(_service: string, argv: readonly string[], options: ExecStreamOptions = {}) {
      const name = String(argv[3]);
      ran.push(name);
      if (name === 'ovena-backup') {
        for (const line of lines) options.onStderrLine?.(line);
      }
    },
  };
  return { compose: fake as unknown as Compose, ran };
}

describe('one dump step list (backup and the restore safety dump)', () => {
  it('the backup job is check-share, lock, then the dump steps', () => {
    const { job } = backupJob({} as Compose, { fileName: 'x.sql', stateDir: '/nonexistent' });
    const shared = dumpSteps({} as Compose, dumpTarget('x.sql'));
    assert.deepEqual(
      job.steps.map((step) => step.id),
      ['check-share', 'lock', ...shared.map((step) => step.id)],
    );
    assert.deepEqual(
      job.steps.slice(2).map((step) => step.title),
      shared.map((step) => step.title),
    );
    assert.deepEqual(
      shared.map((step) => step.id),
      ['dump', 'verify', 'publish'],
    );
  });

  it('the safety dump runs the same steps in order and reports progress in the backup format', async () => {
    const { compose, ran } = scriptedCompose();
    const updates: Progress[] = [];
    const result = await safetyDumper(compose, {
      fileName: 'pre-restore-20250101T000000Z.sql',
      signal: new AbortController().signal,
      onProgress: (update) => updates.push(update),
    });
    assert.deepEqual(ran, ['psql', 'ovena-cpus', 'ovena-backup', 'ovena-verify', 'ovena-publish']);
    assert.equal(result.file, '/mnt/backup/pre-restore-20250101T000000Z.sql.gz');
    assert.equal(result.sizeBytes, 4096);
    const last = updates.at(-1);
    assert.equal(last?.done, 1);
    assert.equal(last?.total, 2);
    assert.equal(last?.unit, 'items');
    assert.equal(last?.written, 2_000_000);
    assert.equal(last?.detail, 'table public.resources');
    // Half the rows of the 3 MB table, out of 4 MB of tables: weighted, not 1 table of 2.
    assert.equal(last?.fraction, 0.375);
  });

  it("a sample counts whole, at its size line: a table in between meets the last sample's chunks", async () => {
    const { compose } = scriptedCompose([
      'pg_dump: dumping contents of table "public.resources"',
      'ovena-copy 1000 90000 public.resources',
      'ovena-chunks 100 50',
      'ovena-size 1000',
      // The next sample's chunks (all appended), then a table line before that sample's size.
      'ovena-chunks 100 100',
      'pg_dump: dumping contents of table "public.changes"',
      'ovena-size 2000',
    ]);
    const updates: Progress[] = [];
    await safetyDumper(compose, {
      fileName: 'pre-restore-20250101T000000Z.sql',
      signal: new AbortController().signal,
      onProgress: (update) => updates.push(update),
    });
    // resources whole (3 of 4 MB) with half its chunks appended; then changes starts, with the
    // same chunks until the size line, then all appended.
    assert.deepEqual(
      updates
        .filter((update) => update.written !== undefined && update.written > 0)
        .map((update) => [update.written, update.fraction]),
      [
        [1000, 0.375],
        [1000, 0.375],
        [2000, 0.75],
      ],
    );
  });
});
