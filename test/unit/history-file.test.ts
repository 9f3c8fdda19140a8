import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  acknowledgeAnomaly,
  assertNoUnacknowledgedAnomaly,
  recordBackupRun,
  unacknowledgedAnomaly,
} from '../../source/history/guard.ts';
import {
  appendHistory,
  describeCorrupt,
  type HistoryEntry,
  historyCap,
  historyPath,
  readHistory,
} from '../../source/history/history-file.ts';

const entry = (index: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  at: new Date(Date.parse('2026-11-01T00:00:00Z') + index * 60_000).toISOString(),
  kind: 'backup',
  file: '/mnt/backup/ovena-db-backup.sql.gz',
  result: 'ok',
  durationMs: 2000,
  bytes: 1000,
  instances: 10,
  ...extra,
});

describe('history.jsonl', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-history-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one line per run, mode 0600, readable back in order', async () => {
    const stateDir = path.join(dir, 'a');
    await appendHistory(stateDir, entry(1));
    await appendHistory(stateDir, entry(2, { kind: 'drill' }));
    const mode = (await stat(historyPath(stateDir))).mode & 0o777;
    assert.equal(mode, 0o600);
    const text = await readFile(historyPath(stateDir), 'utf8');
    assert.equal(text.split('\n').length, 3);
    const { entries, corruptLines } = await readHistory(stateDir);
    assert.deepEqual(entries, [entry(1), entry(2, { kind: 'drill' })]);
    assert.deepEqual(corruptLines, []);
  });

  it('parallel appends lose no line', async () => {
    const stateDir = path.join(dir, 'b');
    await Promise.all(
      Array.from({ length: 30 }, (_, index) => appendHistory(stateDir, entry(index))),
    );
    assert.equal((await readHistory(stateDir)).entries.length, 30);
  });

  it('corrupt lines are skipped and reported, never fatal; a cut last line stays on its own', async () => {
    const stateDir = path.join(dir, 'c');
    await appendHistory(stateDir, entry(1));
    const file = historyPath(stateDir);
    await writeFile(
      file,
      `${await readFile(file, 'utf8')}not json\n{"at":"x","kind":"backup"}\n${JSON.stringify(entry(2))}\n{"at":"2026-`,
    );
    await appendHistory(stateDir, entry(3));
    const { entries, corruptLines } = await readHistory(stateDir);
    assert.deepEqual(
      entries.map((value) => value.at),
      [entry(1).at, entry(2).at, entry(3).at],
    );
    assert.deepEqual(corruptLines, [2, 3, 5]);
    assert.equal(
      describeCorrupt(stateDir, corruptLines),
      `3 corrupt lines in ${file} were skipped (lines 2, 3, 5)`,
    );
  });

  it(`is capped at ${historyCap} lines, the oldest trimmed by an atomic rewrite`, async () => {
    const stateDir = path.join(dir, 'd');
    await appendHistory(stateDir, entry(0));
    const file = historyPath(stateDir);
    const lines = Array.from({ length: historyCap }, (_, index) => JSON.stringify(entry(index)));
    await writeFile(file, `${lines.join('\n')}\n`);
    await appendHistory(stateDir, entry(historyCap));
    const { entries } = await readHistory(stateDir);
    assert.equal(entries.length, historyCap);
    assert.equal(entries[0]?.at, entry(1).at, 'the oldest line went');
    assert.equal(entries.at(-1)?.at, entry(historyCap).at);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });
});

describe('the guard after a backup', () => {
  let dir: string;
  let server: Server;
  let hookUrl: string;
  const received: Array<Record<string, unknown>> = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-guard-'));
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/anomaly`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('flags a shrunk backup, posts backup.anomaly with the numbers, blocks prune until --ack', async () => {
    const stateDir = path.join(dir, 'state');
    const configDir = path.join(dir, 'config');
    await appendHistory(stateDir, entry(0));
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'ovena.yml'), `anomaly:\n  webhook: ${hookUrl}\n`);
    const log: string[] = [];
    const run = {
      at: new Date().toISOString(),
      file: '/mnt/backup/ovena-db-backup.sql.gz',
      result: 'ok' as const,
      durationMs: 2000,
      bytes: 100,
      instances: 2,
      tables: 40,
    };
    const flagged = await recordBackupRun({
      stateDir,
      configDir,
      run,
      log: (line) => log.push(line),
    });
    assert.deepEqual(
      flagged?.anomaly?.map((reason) => reason.rule),
      ['size', 'instances'],
    );
    assert.match(
      log[0] ?? '',
      /^ANOMALY: anomalous backup ovena-db-backup\.sql\.gz at .*dropped from 10 to 2 instances/,
    );
    assert.match(log[1] ?? '', /^webhook anomaly: http:\/\/127\.0\.0\.1:\d+ answered HTTP 200$/);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.event, 'backup.anomaly');
    assert.equal(received[0]?.sizeBytes, 100);
    assert.equal(received[0]?.instances, 2);
    assert.deepEqual(
      ((received[0]?.reasons ?? []) as Array<Record<string, unknown>>).map(
        ({ rule, value, baseline }) => ({
          rule,
          value,
          baseline,
        }),
      ),
      [
        { rule: 'size', value: 100, baseline: 1000 },
        { rule: 'instances', value: 2, baseline: 10 },
      ],
    );

    assert.equal((await unacknowledgedAnomaly(stateDir))?.at, run.at);
    await assert.rejects(
      assertNoUnacknowledgedAnomaly(stateDir),
      (error: Error & { exitCode?: number }) =>
        error.exitCode === 1 &&
        /^prune refused: anomalous backup .*dropped from 10 to 2 instances/.test(error.message),
    );
    const { acknowledged, entry: ack } = await acknowledgeAnomaly(stateDir, 'alice');
    assert.equal(acknowledged.length, 1);
    assert.equal(ack?.by, 'alice');
    assert.equal(await unacknowledgedAnomaly(stateDir), undefined);
    await assertNoUnacknowledgedAnomaly(stateDir);
  });

  it('bad thresholds never stop the backup: defaults and one log line', async () => {
    const stateDir = path.join(dir, 'state2');
    const configDir = path.join(dir, 'config2');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'ovena.yml'), 'anomaly:\n  minSizeRatio: lots\n');
    const log: string[] = [];
    const recorded = await recordBackupRun({
      stateDir,
      configDir,
      run: {
        at: new Date().toISOString(),
        file: '/mnt/backup/x.sql.gz',
        result: 'ok',
        durationMs: 1,
        bytes: 1,
      },
      log: (line) => log.push(line),
    });
    assert.equal(recorded?.kind, 'backup');
    assert.equal(log.length, 1);
    assert.match(
      log[0] ?? '',
      /^warning: settings file .*ovena\.yml: anomaly\.minSizeRatio must be a positive number.*; the anomaly guard uses its defaults$/,
    );
  });
});
