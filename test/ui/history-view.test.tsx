import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { appendHistory, type HistoryEntry } from '../../source/history/history-file.ts';
import type { HomeStatus } from '../../source/monitoring/home-status.ts';
import { HistoryTask, historyViewLines } from '../../source/ui/history/history-task.tsx';
import { HomeApp } from '../../source/ui/home/home-app.tsx';
import { waitFor } from '../helpers/wait-for.ts';

afterEach(() => cleanup());

const now = Date.now();
const frame = (app: { lastFrame(): string | undefined }) => app.lastFrame() ?? '';

function status(history: HomeStatus['history']): HomeStatus {
  return {
    services: [
      { name: 'db', role: 'db', state: 'running', health: 'healthy', up: true },
      { name: 'orthanc', role: 'orthanc', state: 'running', up: true },
    ],
    orthanc: { url: 'http://127.0.0.1:8042', reachable: true, version: '1.10.1', instances: 12 },
    lastBackup: {
      at: new Date(now - 20 * 60_000).toISOString(),
      file: 'ovena-db-backup.sql.gz',
      sizeBytes: 4000,
      durationMs: 9000,
      result: 'ok',
    },
    sharesConfigured: true,
    problems: [],
    ...(history ? { history } : {}),
  };
}

const entry = (index: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  at: new Date(now - (30 - index) * 3_600_000).toISOString(),
  kind: 'backup',
  file: '/mnt/backup/ovena-db-backup.sql.gz',
  result: 'ok',
  durationMs: 2000 + (index % 3) * 500,
  bytes: 1000 * (index + 1),
  instances: index,
  ...extra,
});

describe('history on the home screen', () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-history-ui-'));
    for (let index = 0; index < 30; index++) await appendHistory(stateDir, entry(index));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('the History line shows the sizes as a sparkline, and ANOMALY when one is pending', async () => {
    const sizes = [1000, 2000, 4000, undefined, 8000];
    const app = render(
      <HomeApp
        load={async () =>
          status({ sizes, backups: 5, corruptLines: 0, anomaly: 'anomalous backup x: shrank' })
        }
        tasks={{}}
        color={false}
        refreshMs={50}
      />,
    );
    await waitFor(() => frame(app).includes('History'), 2000, 'History line');
    assert.match(frame(app), /^History {6}▁▂▄×█ 5 backups · ANOMALY$/m);
    assert.match(frame(app), /ovena · Orthanc archive · WARNING/);
    assert.match(frame(app), /! anomalous backup x: shrank/);
    assert.match(frame(app), /Backup history…/);
  });

  it('the view: title, chart, newest runs first; Esc returns', async () => {
    let done = 0;
    const app = render(<HistoryTask stateDir={stateDir} onDone={() => done++} color={false} />);
    await waitFor(() => frame(app).includes('Enter or Esc'), 2000, 'history view');
    const lines = frame(app).split('\n');
    assert.equal(lines[0], 'Backup history');
    assert.equal(lines[2], 'last 30 backups (oldest left)');
    assert.match(lines[3] ?? '', /^size {2}▁▁▁▂▂▂▂▃▃▃▃▄▄▄▄▅▅▅▆▆▆▆▇▇▇▇████ max 30\.0 kB$/);
    assert.match(lines[6] ?? '', /^WHEN \(UTC\)/);
    assert.match(lines[7] ?? '', / backup +ok +30\.0 kB .* 29 {2}ovena-db-backup\.sql\.gz$/);
    await new Promise((resolve) => setTimeout(resolve, 30));
    app.stdin.write('\u001B');
    await waitFor(() => done === 1, 2000, 'onDone');
  });

  it('the view fits 80x24 and 60x20 with room for the key line', async () => {
    const { readHistory } = await import('../../source/history/history-file.ts');
    const read = await readHistory(stateDir);
    for (const [columns, rows] of [
      [80, 24],
      [60, 20],
    ] as const) {
      const lines = historyViewLines(read, stateDir, columns, rows);
      assert.ok(lines.length + 1 <= rows, `${lines.length} lines + key line fit ${rows} rows`);
    }
  });
});
