import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode, OvenaError } from '../../source/errors.ts';
import {
  baselineFor,
  defaultThresholds,
  describeAnomaly,
  detectAnomaly,
  dumpStem,
  median,
  unacknowledgedAnomalies,
} from '../../source/history/anomaly.ts';
import { parseAnomalySettings } from '../../source/history/anomaly-settings.ts';
import type { HistoryEntry } from '../../source/history/history-file.ts';

const file = '/mnt/backup/ovena-db-backup.sql.gz';
let clock = Date.parse('2026-11-01T00:00:00Z');

function tick(): string {
  clock += 60_000;
  return new Date(clock).toISOString();
}

function backup(
  bytes: number,
  durationMs: number,
  instances?: number,
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  clock += 3_600_000;
  return {
    at: new Date(clock).toISOString(),
    kind: 'backup',
    file,
    result: 'ok',
    durationMs,
    bytes,
    ...(instances === undefined ? {} : { instances }),
    ...extra,
  };
}

/** Ten steady backups: median size 1000 bytes, median duration 2000 ms, 100 instances last. */
function steady(): HistoryEntry[] {
  return Array.from({ length: 10 }, (_, index) => backup(1000, 2000, 91 + index));
}

const rules = (
  entries: HistoryEntry[],
  run: Parameters<typeof detectAnomaly>[1],
  thresholds = defaultThresholds,
) => detectAnomaly(entries, run, thresholds).map((reason) => reason.rule);

describe("the anomaly guard, at each threshold's edge", () => {
  it('size: exactly 50 % of the median passes, one byte less is flagged', () => {
    const history = steady();
    assert.deepEqual(rules(history, { file, bytes: 500, durationMs: 2000, instances: 100 }), []);
    const reasons = detectAnomaly(history, { file, bytes: 499, durationMs: 2000, instances: 100 });
    assert.deepEqual(
      reasons.map((reason) => reason.rule),
      ['size'],
    );
    assert.equal(reasons[0]?.baseline, 1000);
    assert.equal(reasons[0]?.value, 499);
    assert.equal(
      reasons[0]?.text,
      'the dump shrank to 499 B, 50% of the median of the last 10 backups (1.0 kB; alarm below 50%)',
    );
  });

  it('duration: exactly 4x the median passes, 1 ms more is flagged', () => {
    const history = steady();
    assert.deepEqual(rules(history, { file, bytes: 1000, durationMs: 8000, instances: 100 }), []);
    const reasons = detectAnomaly(history, { file, bytes: 1000, durationMs: 8001, instances: 100 });
    assert.deepEqual(
      reasons.map((reason) => reason.rule),
      ['duration'],
    );
    assert.match(
      reasons[0]?.text ?? '',
      /took 8\.0s, 4× the median of the last 10 backups \(2\.0s; alarm above 4×\)/,
    );
  });

  it('instances: the same count passes, one fewer is flagged; instancesMayDrop moves the edge', () => {
    const history = steady();
    assert.deepEqual(rules(history, { file, bytes: 1000, durationMs: 2000, instances: 100 }), []);
    const reasons = detectAnomaly(history, { file, bytes: 1000, durationMs: 2000, instances: 99 });
    assert.deepEqual(
      reasons.map((reason) => reason.rule),
      ['instances'],
    );
    assert.equal(
      reasons[0]?.text,
      "Orthanc's index dropped from 100 to 99 instances (at the previous backup; 1 fewer)",
    );
    const tolerant = { ...defaultThresholds, instancesMayDrop: 5 };
    assert.deepEqual(
      rules(history, { file, bytes: 1000, durationMs: 2000, instances: 95 }, tolerant),
      [],
    );
    assert.deepEqual(
      rules(history, { file, bytes: 1000, durationMs: 2000, instances: 94 }, tolerant),
      ['instances'],
    );
    const never = { ...defaultThresholds, instancesMayDrop: Number.POSITIVE_INFINITY };
    assert.deepEqual(
      rules(history, { file, bytes: 1000, durationMs: 2000, instances: 0 }, never),
      [],
    );
  });

  it('custom ratios move the size and duration edges', () => {
    const history = steady();
    const strict = { ...defaultThresholds, minSizeRatio: 0.9, maxDurationRatio: 1.5 };
    assert.deepEqual(
      rules(history, { file, bytes: 900, durationMs: 3000, instances: 100 }, strict),
      [],
    );
    assert.deepEqual(
      rules(history, { file, bytes: 899, durationMs: 3001, instances: 100 }, strict),
      ['size', 'duration'],
    );
  });

  it('the median is over the last 10 successful backups of the same stem only', () => {
    const history = [
      // Old, larger runs beyond the last ten do not count.
      ...Array.from({ length: 5 }, () => backup(100_000, 2000, 50)),
      ...steady(),
      backup(1, 1, 100, { result: 'failed', bytes: undefined }),
      backup(5, 5, 100, { file: '/mnt/backup/other.sql.gz' }),
    ];
    const base = baselineFor(history, file);
    assert.equal(base.runs.length, 10);
    assert.equal(base.medianBytes, 1000);
    assert.equal(base.medianDurationMs, 2000);
    // The instance count is the database's: the newest reading, whatever the file name.
    assert.equal(base.previousInstances?.count, 100);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(median([]), undefined);
  });

  it('stems: timestamped names compare with each other, others do not', () => {
    assert.equal(dumpStem('/mnt/backup/nightly-20261127T0100Z.sql.gz'), 'nightly');
    assert.equal(dumpStem('nightly-2026-11-28.sql.gz'), 'nightly');
    assert.equal(dumpStem('/mnt/backup/ovena-db-backup.sql.gz'), 'ovena-db-backup');
    assert.equal(dumpStem('db2.sql.gz'), 'db2');
    const history = Array.from({ length: 3 }, (_, index) =>
      backup(1000, 2000, 10, { file: `/mnt/backup/nightly-2026110${index + 1}.sql.gz` }),
    );
    assert.deepEqual(
      rules(history, {
        file: '/mnt/backup/nightly-20261104.sql.gz',
        bytes: 400,
        durationMs: 2000,
        instances: 10,
      }),
      ['size'],
    );
    assert.deepEqual(
      rules(history, {
        file: '/mnt/backup/weekly.sql.gz',
        bytes: 400,
        durationMs: 2000,
        instances: 10,
      }),
      [],
    );
  });

  it('a first backup has nothing to compare with', () => {
    assert.deepEqual(rules([], { file, bytes: 1, durationMs: 1_000_000, instances: 0 }), []);
  });

  it('a restore sets the instance count to compare with and restarts the size baseline', () => {
    const history = [
      ...steady(),
      {
        at: tick(),
        kind: 'restore' as const,
        file,
        result: 'ok' as const,
        durationMs: 9000,
        instances: 20,
      },
    ];
    assert.deepEqual(rules(history, { file, bytes: 200, durationMs: 2000, instances: 20 }), []);
    const reasons = detectAnomaly(history, { file, bytes: 200, durationMs: 2000, instances: 19 });
    assert.equal(
      reasons[0]?.text,
      "Orthanc's index dropped from 20 to 19 instances (left by the last restore; 1 fewer)",
    );
  });

  it('pending until acknowledged; an acknowledged drop becomes the new baseline', () => {
    const history = steady();
    const flagged = backup(100, 2000, 10);
    flagged.anomaly = detectAnomaly(history, { file, bytes: 100, durationMs: 2000, instances: 10 });
    assert.deepEqual(
      flagged.anomaly.map((reason) => reason.rule),
      ['size', 'instances'],
    );
    history.push(flagged);
    assert.deepEqual(unacknowledgedAnomalies(history), [flagged]);
    assert.match(
      describeAnomaly(flagged),
      /^anomalous backup ovena-db-backup\.sql\.gz at \S+Z: the dump shrank to 100 B.*; "ovena history --ack" acknowledges it$/,
    );
    // Not acknowledged: the next small backup is still flagged for its size.
    assert.deepEqual(rules(history, { file, bytes: 110, durationMs: 2000, instances: 10 }), [
      'size',
    ]);
    history.push({
      at: tick(),
      kind: 'ack',
      result: 'ok',
      durationMs: 0,
      by: 'alice',
      acknowledges: flagged.at,
    });
    assert.deepEqual(unacknowledgedAnomalies(history), []);
    assert.deepEqual(rules(history, { file, bytes: 110, durationMs: 2000, instances: 10 }), []);
  });
});

describe('anomaly: settings', () => {
  const parse = (text: string) => parseAnomalySettings(text, '/etc/ovena/ovena.yml');

  it('defaults without a section; values and webhook when given', () => {
    assert.deepEqual(parse(''), { minSizeRatio: 0.5, maxDurationRatio: 4, instancesMayDrop: 0 });
    assert.deepEqual(parse('webhooks: {}\n'), {
      minSizeRatio: 0.5,
      maxDurationRatio: 4,
      instancesMayDrop: 0,
    });
    assert.deepEqual(
      parse(
        'anomaly:\n  minSizeRatio: 0.8\n  maxDurationRatio: 10\n  instancesMayDrop: 3\n  webhook: https://mon.example/a\n',
      ),
      {
        minSizeRatio: 0.8,
        maxDurationRatio: 10,
        instancesMayDrop: 3,
        webhook: 'https://mon.example/a',
      },
    );
    assert.equal(
      parse('anomaly:\n  instancesMayDrop: true\n').instancesMayDrop,
      Number.POSITIVE_INFINITY,
    );
    assert.equal(parse('anomaly:\n  instancesMayDrop: false\n').instancesMayDrop, 0);
  });

  for (const [text, key] of [
    ['anomaly:\n  minSizeRatio: -1\n', 'anomaly.minSizeRatio'],
    ['anomaly:\n  minSizeRatio: half\n', 'anomaly.minSizeRatio'],
    ['anomaly:\n  minSizeRatio: 0\n', 'anomaly.minSizeRatio'],
    ['anomaly:\n  maxDurationRatio: 0.5\n', 'anomaly.maxDurationRatio'],
    ['anomaly:\n  instancesMayDrop: 1.5\n', 'anomaly.instancesMayDrop'],
    ['anomaly:\n  webhook: ftp://x\n', 'anomaly.webhook'],
    ['anomaly:\n  minSizeRatoi: 0.5\n', 'anomaly.minSizeRatoi'],
    ['anomaly: 3\n', 'anomaly must be a mapping'],
  ] as const) {
    it(`refuses ${JSON.stringify(text)} naming ${key} (exit 78)`, () => {
      assert.throws(
        () => parse(text),
        (error: unknown) =>
          error instanceof OvenaError &&
          error.exitCode === ExitCode.config &&
          error.message.includes(key),
      );
    });
  }
});
