import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpStepProgress } from '../../source/backup/dump-steps.ts';
import {
  parseTableWeights,
  parseWeightLine,
  type TableWeight,
  weightedFraction,
} from '../../source/backup/dump-weights.ts';
import { describeProgress } from '../../source/jobs/plain-renderer.ts';
import { progressLayout } from '../../source/ui/step-progress.tsx';

const mb = 1024 * 1024;

/** One 900 MB table (9 million rows) and ten of 10 MB each: 1000 MB in all. */
function weights(bigRows = 9_000_000): Map<string, TableWeight> {
  const list: TableWeight[] = [{ name: 'public.big', bytes: 900 * mb, rows: bigRows }];
  for (let index = 0; index < 10; index++)
    list.push({ name: `public.small_${index}`, bytes: 10 * mb, rows: 1000 });
  return new Map(list.map((weight) => [weight.name, weight]));
}

const round = (value: number | undefined) => Math.round((value ?? Number.NaN) * 1e6) / 1e6;

const smalls = Array.from({ length: 10 }, (_, index) => `public.small_${index}`);

describe('dump progress weighted by table size', () => {
  it('the tables before the current one count by their size, not their number', () => {
    // 2 of 11 tables started (the big one done), the second just started: 90%, not 18%.
    assert.equal(weightedFraction(weights(), { started: ['public.big', 'public.small_0'] }), 0.9);
    // Ten small tables done, the big one just started: 10%, not 91%.
    assert.ok(
      Math.abs((weightedFraction(weights(), { started: [...smalls, 'public.big'] }) ?? 0) - 0.1) <
        1e-9,
    );
  });

  it('inside the big table, its COPY rows against the row estimate move the fraction', () => {
    const fractions = [0, 0.25, 0.5, 0.75, 1].map((share) =>
      weightedFraction(weights(), {
        started: [...smalls, 'public.big'],
        copy: { table: 'public.big', rows: share * 9_000_000, bytes: 0 },
      }),
    );
    assert.deepEqual(
      fractions.map((value) => Math.round((value ?? 0) * 1000) / 1000),
      [0.1, 0.325, 0.55, 0.775, 1],
    );
    // A COPY sample of another table (the previous one, sampled late) is not taken for this one.
    assert.equal(
      weightedFraction(weights(), {
        started: ['public.big', 'public.small_0'],
        copy: { table: 'public.big', rows: 4_000_000, bytes: 0 },
      }),
      0.9,
    );
    // More rows than the estimate: the table counts whole, never more.
    assert.equal(
      weightedFraction(weights(), {
        started: [...smalls, 'public.big'],
        copy: { table: 'public.big', rows: 9_900_000, bytes: 0 },
      }),
      1,
    );
  });

  it('a table never analysed (no row estimate): its text bytes against its size, at most 90%', () => {
    const unknown = weights(-1);
    const at = (bytes: number) =>
      weightedFraction(unknown, {
        started: ['public.big'],
        copy: { table: 'public.big', rows: 123, bytes },
      });
    assert.equal(at(450 * mb), 0.45);
    assert.equal(at(2000 * mb), 0.81);
  });

  it("parallel gzip: the chunks still in the workers are taken off (the file's bytes lag)", () => {
    const position = {
      started: [...smalls, 'public.big'],
      copy: { table: 'public.big', rows: 4_500_000, bytes: 0 },
    };
    // pg_dump is at 55%, but only 3 of the 4 chunks read are in the file: 41.25%.
    assert.equal(
      round(
        weightedFraction(weights(), {
          ...position,
          chunks: { read: 4 * 32 * mb, flushed: 3 * 32 * mb },
        }),
      ),
      0.4125,
    );
    // Nothing in the file yet: 0, as the bytes written.
    assert.equal(
      weightedFraction(weights(), { ...position, chunks: { read: 32 * mb, flushed: 0 } }),
      0,
    );
    // No chunk in the scratch folder (zstd, one gzip, or all appended): no correction.
    assert.equal(
      weightedFraction(weights(), { ...position, chunks: { read: 0, flushed: 0 } }),
      0.55,
    );
  });

  it('an empty database (tables weigh nothing): undefined, the table count stands in', () => {
    const empty = new Map([['public.t', { name: 'public.t', bytes: 0, rows: 0 }]]);
    assert.equal(weightedFraction(empty, { started: ['public.t'] }), undefined);
    assert.equal(weightedFraction(new Map(), { started: [] }), undefined);
  });

  it("reads the catalog's lines and the dump loop's samples", () => {
    assert.deepEqual(parseTableWeights('public.big\t943718400\t9000000\nx.y\t0\t-1\n\n'), [
      { name: 'public.big', bytes: 943_718_400, rows: 9_000_000 },
      { name: 'x.y', bytes: 0, rows: -1 },
    ]);
    assert.deepEqual(parseWeightLine('ovena-copy 120 4096 public.big table'), {
      kind: 'copy',
      rows: 120,
      bytes: 4096,
      table: 'public.big table',
    });
    assert.deepEqual(parseWeightLine('ovena-chunks 100663296 33554432'), {
      kind: 'chunks',
      read: 100_663_296,
      flushed: 33_554_432,
    });
    assert.equal(parseWeightLine('ovena-size 12'), undefined);
  });

  it('the bar, the percentage and the ETA follow the weighted share; the count stays', () => {
    const progress = dumpStepProgress({
      tablesDone: 11,
      tablesTotal: 11,
      currentTable: 'public.big',
      bytes: 50_000_000,
      fraction: 0.25,
    });
    const layout = progressLayout(progress, 30_000, 80);
    assert.equal(layout.ratio, 0.25);
    assert.equal(layout.head, '25% · 50.0 MB written · ETA 1m30s');
    assert.equal(layout.tail, '11 / 11 · 1.7 MB/s · table public.big');
    assert.equal(
      describeProgress(progress, 30_000),
      '11 / 11, 25%, ETA 1m30s, 50.0 MB written, 1.7 MB/s, table public.big, elapsed 30s',
    );
  });
});
