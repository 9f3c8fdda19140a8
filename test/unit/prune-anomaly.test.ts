import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acknowledgeAnomaly } from '../../source/history/guard.ts';
import { appendHistory, readHistory } from '../../source/history/history-file.ts';
import { pruneBlockedBy, recordPruneRun } from '../../source/retention/hooks.ts';
import type { PruneReport } from '../../source/retention/prune.ts';

describe('prune meets the anomaly guard and the history', () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-prune-anomaly-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('a flagged backup blocks pruning, naming the shrink, until it is acknowledged', async () => {
    assert.equal(await pruneBlockedBy(stateDir), null);
    await appendHistory(stateDir, {
      at: '2026-11-27T04:00:00.000Z',
      kind: 'backup',
      file: '/mnt/backup/ovena-db-backup.sql.gz',
      result: 'ok',
      durationMs: 1000,
      bytes: 10,
      instances: 2,
      anomaly: [
        {
          rule: 'instances',
          value: 2,
          baseline: 20,
          threshold: 0,
          text: 'dropped from 20 to 2 instances',
        },
      ],
    });
    const reason = await pruneBlockedBy(stateDir);
    assert.match(reason ?? '', /dropped from 20 to 2 instances.*ovena history --ack/);
    await acknowledgeAnomaly(stateDir, 'tester');
    assert.equal(await pruneBlockedBy(stateDir), null);
  });

  it('each prune run is one history line: what it freed, its outcome and its rule', async () => {
    const report = {
      outcome: 'applied',
      description: 'last 1',
      removed: ['x-20260101T000000Z.sql.gz'],
      plan: {
        entries: [
          { name: 'x-20260101T000000Z.sql.gz', sizeBytes: 123 },
          { name: 'x-20260102T000000Z.sql.gz', sizeBytes: 456 },
        ],
        untouched: [],
      },
    } as unknown as PruneReport;
    await recordPruneRun(stateDir, report, 42);
    const { entries } = await readHistory(stateDir);
    const last = entries.at(-1);
    assert.equal(last?.kind, 'prune');
    assert.equal(last?.result, 'ok');
    assert.equal(last?.bytes, 123);
    assert.equal(last?.durationMs, 42);
    assert.deepEqual(last?.details, { outcome: 'applied', removed: 1, policy: 'last 1' });
  });
});
