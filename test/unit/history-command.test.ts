import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../../source/cli/main.ts';
import { appendHistory, historyPath } from '../../source/history/history-file.ts';

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns: number;
  constructor(tty: boolean, columns = 80) {
    super();
    this.isTTY = tty;
    this.columns = columns;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function ovenaHistory(env: NodeJS.ProcessEnv, args: string[], tty = false, columns = 80) {
  const stdout = new Capture(tty, columns);
  const stderr = new Capture(false);
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  const code = await main(['history', ...args], env, { stdin, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('ovena history (the command)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-history-cmd-'));
    env = { OVENA_STATE_DIR: path.join(dir, 'state'), OVENA_CONFIG_DIR: dir };
    for (let index = 0; index < 25; index++) {
      await appendHistory(env.OVENA_STATE_DIR ?? '', {
        at: new Date(Date.parse('2026-11-01T00:00:00Z') + index * 3_600_000).toISOString(),
        kind: index === 24 ? 'drill' : 'backup',
        file: '/mnt/backup/ovena-db-backup.sql.gz',
        result: 'ok',
        durationMs: 2000,
        bytes: 1000 * (index + 1),
        instances: index,
      });
    }
    await appendFile(historyPath(env.OVENA_STATE_DIR ?? ''), 'garbage\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('off a terminal: the table only, newest first, 20 rows; the corrupt line on stderr', async () => {
    const result = await ovenaHistory(env, []);
    assert.equal(result.code, 0);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 21);
    assert.equal(lines[0], 'WHEN (UTC)       KIND    RESULT      SIZE   TIME   INST  FILE');
    assert.equal(
      lines[1],
      '2026-11-02 00:00 drill   ok       25.0 kB   2.0s     24  ovena-db-backup.sql.gz',
    );
    assert.equal(
      result.stderr,
      `ovena: warning: 1 corrupt line in ${historyPath(env.OVENA_STATE_DIR ?? '')} was skipped (line 26)\n`,
    );
  });

  it('on a terminal of 60 columns: the chart above the table, nothing wider', async () => {
    const result = await ovenaHistory(env, ['--kind=backup', '--last=3'], true, 60);
    assert.equal(result.code, 0);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      'last 3 backups (oldest left)',
      'size  ███ max 24.0 kB',
      'time  ███ max 2.0s',
    ]);
    assert.equal(lines.length, 3 + 1 + 4);
    for (const line of lines) assert.ok([...line].length <= 60, line);
  });

  it('--json, and bad options or thresholds', async () => {
    const json = JSON.parse((await ovenaHistory(env, ['--json', '--last=2'])).stdout) as {
      entries: Array<{ kind: string }>;
      corruptLines: number[];
      unacknowledgedAnomaly: unknown;
    };
    assert.deepEqual(
      json.entries.map((entry) => entry.kind),
      ['drill', 'backup'],
    );
    assert.deepEqual(json.corruptLines, [26]);
    assert.equal(json.unacknowledgedAnomaly, null);
    assert.equal((await ovenaHistory(env, ['--kind=nightly'])).code, 64);
    assert.equal((await ovenaHistory(env, ['--last=0'])).code, 64);
    await writeFile(path.join(dir, 'ovena.yml'), 'anomaly:\n  maxDurationRatio: fast\n');
    const bad = await ovenaHistory(env, []);
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /anomaly\.maxDurationRatio must be a positive number/);
    await writeFile(path.join(dir, 'ovena.yml'), '');
  });
});
