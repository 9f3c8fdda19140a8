import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChartRun, renderChart, sparkline } from '../../source/history/chart.ts';
import { summaryText } from '../../source/history/summary.ts';

/**
 * Synthetic runs: sizes 1-8 kB in a cycle of eight (one block level each), durations 1-4 s in a
 * cycle of four, every 17th run failed, every 23rd anomalous.
 */
function runs(count: number): ChartRun[] {
  return Array.from({ length: count }, (_, index) => ({
    result: index % 17 === 16 ? 'failed' : 'ok',
    bytes: ((index % 8) + 1) * 1000,
    durationMs: ((index % 4) + 1) * 1000,
    ...(index % 23 === 22
      ? { anomaly: [{ rule: 'size', value: 1, baseline: 1, threshold: 0.5, text: 'x' }] }
      : {}),
  }));
}

const expected: Record<string, string[]> = {
  '1@60': ['last 1 backup (oldest left)', 'size  █ max 1.0 kB', 'time  █ max 1.0s'],
  '1@80': ['last 1 backup (oldest left)', 'size  █ max 1.0 kB', 'time  █ max 1.0s'],
  '24@60': [
    'last 24 backups (oldest left, × failed, ! anomaly)',
    'size  ▁▂▃▄▅▆▇█▁▂▃▄▅▆▇█×▂▃▄▅▆▇█ max 8.0 kB',
    'time  ▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█ max 4.0s',
    '                            !',
  ],
  '24@80': [
    'last 24 backups (oldest left, × failed, ! anomaly)',
    'size  ▁▂▃▄▅▆▇█▁▂▃▄▅▆▇█×▂▃▄▅▆▇█ max 8.0 kB',
    'time  ▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█ max 4.0s',
    '                            !',
  ],
  // 500 runs: only the newest that fit (41 at 60 columns, 61 at 80), oldest left.
  '500@60': [
    'last 41 of 500 backups (oldest left, × failed, ! anomaly)',
    'size  ▄▅▆▇█▁▂▃▄▅▆▇█▁▂▃×▅▆▇█▁▂▃▄▅▆▇█▁▂▃▄×▆▇█▁▂▃▄ max 8.0 kB',
    'time  █▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█ max 4.0s',
    '      !                      !',
  ],
  '500@80': [
    'last 61 of 500 backups (oldest left, × failed, ! anomaly)',
    'size  █▁×▃▄▅▆▇█▁▂▃▄▅▆▇█▁▂×▄▅▆▇█▁▂▃▄▅▆▇█▁▂▃×▅▆▇█▁▂▃▄▅▆▇█▁▂▃▄×▆▇█▁▂▃▄ max 8.0 kB',
    'time  █▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█▂▄▆█ max 4.0s',
    '                          !                      !',
  ],
};

const width = (line: string) => [...line].length;

describe('history chart (plain Unicode blocks, no colour needed)', () => {
  for (const count of [1, 24, 500]) {
    for (const columns of [60, 80]) {
      it(`${count} run${count === 1 ? '' : 's'} at ${columns} columns: exact lines, none wider`, () => {
        const lines = renderChart(runs(count), columns);
        assert.deepEqual(lines, expected[`${count}@${columns}`]);
        for (const line of lines) assert.ok(width(line) <= columns, `"${line}" fits ${columns}`);
      });
    }
  }

  it('the widest numbers still fit 60 columns', () => {
    const big: ChartRun[] = Array.from({ length: 500 }, (_, index) => ({
      result: 'ok',
      bytes: 999_900_000_000 - index,
      durationMs: 99 * 3_600_000 + index,
      anomaly: [{ rule: 'duration', value: 1, baseline: 1, threshold: 4, text: 'x' }],
    }));
    for (const columns of [60, 80]) {
      for (const line of renderChart(big, columns)) {
        assert.ok(width(line) <= columns, `"${line}" (${width(line)}) fits ${columns}`);
      }
    }
    const line = renderChart(big, 60)[1] ?? '';
    assert.equal(width(line), 59, line);
  });

  it('sparklines scale from zero; a failed run is ×; nothing recorded is an empty chart', () => {
    assert.equal(sparkline([0, 1, 2, 4, 8]), '▁▁▂▄█');
    assert.equal(sparkline([5, undefined, 10]), '▄×█');
    assert.equal(sparkline([0, 0]), '▁▁');
    assert.deepEqual(renderChart([], 80), []);
  });

  it("the home screen's history text", () => {
    assert.equal(
      summaryText({ sizes: [1000, 2000, undefined, 4000], backups: 4, corruptLines: 0 }),
      '▂▄×█ 4 backups',
    );
    assert.equal(
      summaryText({ sizes: [1000, 500], backups: 30, corruptLines: 0, anomaly: 'x' }),
      '█▄ last 2 of 30 backups · ANOMALY',
    );
    assert.equal(summaryText({ sizes: [], backups: 0, corruptLines: 0 }), 'no runs recorded yet');
  });
});
