import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { assertNoUnacknowledgedAnomaly } from '../../source/history/guard.ts';
import { historyFile } from '../../source/history/history-file.ts';
import {
  createInstance,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const tmux = async (args: string[]) => (await run('tmux', args, { timeout: 20_000 })).stdout;

type Entry = {
  kind: string;
  result: string;
  instances?: number;
  tables?: number;
  bytes?: number;
  by?: string;
  anomaly?: Array<{ rule: string; value: number; baseline: number }>;
};

/**
 * The history and the anomaly guard on the real stack: backups as Orthanc grows, most instances
 * deleted through Orthanc's REST API, the next backup flagged (and still published), check, status,
 * the anomaly webhook, the refusal prune will use, --ack, a restore to an older dump, the home
 * screen's sparkline and history view in tmux at 80x24, and broken thresholds.
 */
describe('backup history and the anomaly guard (real stack)', () => {
  let stack: Stack;
  let server: Server;
  let base: string;
  const received: Array<{ url: string; body: Record<string, unknown> }> = [];
  const sessions: string[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({
          url: request.url ?? '',
          body: JSON.parse(body) as Record<string, unknown>,
        });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stack = await startStack('hs-guard', 62500);
    await writeSettings();
  });

  after(async () => {
    for (const session of sessions) await tmux(['kill-session', '-t', session]).catch(() => '');
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await stack?.down();
  });

  const stateDir = () => stack.env.OVENA_STATE_DIR ?? '';
  // Durations on a loaded 2-core test machine are noise: the duration rule has its unit tests.
  const writeSettings = (extra = '') =>
    writeFile(
      path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml'),
      `webhooks:\n  success: ${base}/success\nanomaly:\n  maxDurationRatio: 1000\n  webhook: ${base}/anomaly\n${extra}`,
    );

  async function history(): Promise<Entry[]> {
    const result = await ovena(['history', '--json'], { env: stack.env });
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { entries: Entry[] }).entries;
  }

  async function backup(file?: string): Promise<string> {
    const result = await ovena([...(file ? [`--file=${file}`] : []), 'backup'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    return result.stdout;
  }

  it('five backups while Orthanc grows: one line each, with the instance and table counts', async () => {
    for (let round = 1; round <= 5; round++) {
      for (let index = 0; index < 4; index++)
        await createInstance(stack.orthancUrl, `P${round}-${index}`);
      const out = await backup();
      assert.doesNotMatch(out, /ANOMALY/);
      // An older dump of its own name, restored at the end (4 instances).
      if (round === 1) await backup('older.sql');
    }
    const entries = (await history()).filter((entry) => entry.kind === 'backup').reverse();
    assert.deepEqual(
      entries.map((entry) => entry.instances),
      [4, 4, 8, 12, 16, 20],
    );
    assert.ok(entries.every((entry) => entry.result === 'ok' && (entry.tables ?? 0) > 10));
    assert.equal((await stat(path.join(stateDir(), historyFile))).mode & 0o777, 0o600);
  });

  it('most instances deleted through the REST API: the next backup is flagged but published', async () => {
    const ids = (await (await fetch(`${stack.orthancUrl}/instances`)).json()) as string[];
    for (const id of ids.slice(2)) {
      const response = await fetch(`${stack.orthancUrl}/instances/${id}`, { method: 'DELETE' });
      assert.equal(response.status, 200);
    }
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 2);
    received.length = 0;
    const out = await backup();
    assert.match(
      out,
      /ANOMALY: anomalous backup ovena-db-backup\.sql\.gz at .*Orthanc's index dropped from 20 to 2 instances/,
    );
    assert.match(out, /webhook anomaly: http:\/\/127\.0\.0\.1:\d+ answered HTTP 200/);
    // Published: the success webhook fired too, and the anomaly webhook got the numbers.
    assert.deepEqual(received.map((entry) => entry.url).sort(), ['/anomaly', '/success']);
    const anomaly = received.find((entry) => entry.url === '/anomaly')?.body;
    assert.equal(anomaly?.event, 'backup.anomaly');
    assert.equal(anomaly?.instances, 2);
    const reasons = anomaly?.reasons as Array<{ rule: string; value: number; baseline: number }>;
    assert.deepEqual(
      reasons.find((reason) => reason.rule === 'instances'),
      {
        ...reasons.find((reason) => reason.rule === 'instances'),
        rule: 'instances',
        value: 2,
        baseline: 20,
      },
    );
    const newest = (await history())[0];
    assert.equal(newest?.result, 'ok');
    assert.ok(newest?.anomaly?.some((reason) => reason.rule === 'instances'));
  });

  it('check warns (exit 1) naming the shrink; status shows it; the refusal for prune holds', async () => {
    const check = await ovena(['check'], { env: stack.env });
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(
      check.stdout,
      /^WARNING: anomalous backup ovena-db-backup\.sql\.gz at .*dropped from 20 to 2 instances.*"ovena history --ack" acknowledges it\n$/,
    );
    const status = await ovena(['status'], { env: stack.env });
    assert.match(status.stdout, /^ANOMALY {3}anomalous backup .*dropped from 20 to 2 instances/m);
    const statusJson = JSON.parse(
      (await ovena(['status', '--json'], { env: stack.env })).stdout,
    ) as {
      anomaly: Entry | null;
    };
    assert.equal(statusJson.anomaly?.instances, 2);
    // The real prune refuses (exit 1, rule "blocked", the shrink named), --force or not.
    const prune = await ovena(['prune', '--keep-last', '5', '--force', '--json'], {
      env: stack.env,
    });
    assert.equal(prune.code, 1, prune.stdout + prune.stderr);
    const refused = JSON.parse(prune.stdout) as { refusal: { rule: string; message: string } };
    assert.equal(refused.refusal.rule, 'blocked');
    assert.match(refused.refusal.message, /dropped from 20 to 2 instances.*history --ack/);
    await assert.rejects(
      assertNoUnacknowledgedAnomaly(stateDir()),
      (error: Error & { exitCode?: number }) =>
        error.exitCode === 1 &&
        /^prune refused: .*dropped from 20 to 2 instances/.test(error.message),
    );
  });

  it('history --ack records who and when, and clears it', async () => {
    const ack = await ovena(['history', '--ack'], {
      env: { ...stack.env, SUDO_USER: 'night-operator' },
    });
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(
      ack.stdout,
      /^acknowledged by night-operator at \d{4}-.*dropped from 20 to 2 instances/,
    );
    const newest = (await history())[0];
    assert.equal(newest?.kind, 'ack');
    assert.equal(newest?.by, 'night-operator');
    await assertNoUnacknowledgedAnomaly(stateDir());
    // Acknowledged: the anomaly no longer blocks prune (any refusal left is another rule's).
    const prune = await ovena(['prune', '--keep-last', '5', '--force', '--json'], {
      env: stack.env,
    });
    const after = JSON.parse(prune.stdout) as { refusal: { rule: string } | null };
    assert.notEqual(after.refusal?.rule, 'blocked', prune.stdout);
    const check = await ovena(['check'], { env: stack.env });
    assert.equal(check.code, 0, check.stdout);
    const again = await ovena(['history', '--ack'], { env: stack.env });
    assert.equal(again.stdout, 'nothing to acknowledge: no backup is flagged as anomalous\n');
    // The acknowledged level is the new baseline: the next backup is not flagged.
    assert.doesNotMatch(await backup(), /ANOMALY/);
  });

  it('tmux 80x24: home shows the sparkline; the history view opens and closes', async () => {
    const session = `hs-guard-${process.pid}`;
    sessions.push(session);
    await tmux([
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '80',
      '-y',
      '24',
      terminalCommand(stack.env, [], 60),
    ]);
    let last = '';
    const waitScreen = async (pattern: RegExp, what: string) => {
      try {
        await waitFor(
          async () => {
            last = await tmux(['capture-pane', '-p', '-t', session]);
            return pattern.test(last);
          },
          30_000,
          what,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}; screen:\n${last}`);
      }
      return last;
    };
    const home = await waitScreen(/^History {6}[▁▂▃▄▅▆▇█×]{8} 8 backups$/m, 'the History line');
    for (const line of home.split('\n')) assert.ok(line.length <= 80, `fits 80: "${line}"`);
    await tmux(['send-keys', '-t', session, 'Up', 'Up']);
    await waitScreen(/› Backup history…/, 'cursor on Backup history');
    await tmux(['send-keys', '-t', session, 'Enter']);
    const view = await waitScreen(
      /^Backup history$[\s\S]*Enter or Esc: back to home/m,
      'the history view',
    );
    assert.match(view, /^last 8 backups \(oldest left, ! anomaly\)$/m);
    assert.match(view, /^size {2}[▁▂▃▄▅▆▇█]{8} max /m);
    assert.match(view, /^time {2}[▁▂▃▄▅▆▇█]{8} max /m);
    assert.match(view, /backup +anomaly/);
    assert.match(view, /ack .* by night-operator/);
    for (const line of view.split('\n')) assert.ok(line.length <= 80, `fits 80: "${line}"`);
    await tmux(['send-keys', '-t', session, 'Escape']);
    await waitScreen(/› Backup history…/, 'home again');
    await tmux(['send-keys', '-t', session, 'q']);
    await waitScreen(/EXIT=0/, 'exit');
  });

  it('a restore to an older dump records the instances it leaves: the next backup is not flagged', async () => {
    for (let index = 0; index < 6; index++) await createInstance(stack.orthancUrl, `Q-${index}`);
    assert.doesNotMatch(await backup(), /ANOMALY/); // 8 instances
    const restore = await ovena(['--file=older.sql', 'restore', '--yes', '--no-safety-dump'], {
      env: stack.env,
    });
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    const restored = (await history())[0];
    assert.equal(restored?.kind, 'restore');
    assert.equal(restored?.instances, 4);
    // 4 < 8 instances: without the restore's record this would be a shrink.
    assert.doesNotMatch(await backup(), /ANOMALY/);
    assert.equal((await history())[0]?.instances, 4);
  });

  it('broken thresholds: history exits 78 naming the key, check is critical, a backup goes on', async () => {
    await writeFile(
      path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml'),
      'anomaly:\n  minSizeRatio: -2\n',
    );
    try {
      const listing = await ovena(['history'], { env: stack.env });
      assert.equal(listing.code, 78);
      assert.match(listing.stderr, /anomaly\.minSizeRatio must be a positive number/);
      const check = await ovena(['check'], { env: stack.env });
      assert.equal(check.code, 2);
      assert.match(check.stdout, /^CRITICAL: settings file .*anomaly\.minSizeRatio/);
      const out = await backup();
      assert.equal(out.match(/anomaly guard uses its defaults/g)?.length, 1, out);
    } finally {
      await writeSettings();
    }
  });
});
