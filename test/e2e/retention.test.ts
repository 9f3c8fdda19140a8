import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { emptyGfsPolicy, type GfsPolicy } from '../../source/retention/policy.ts';
import { day, hour, oracle } from '../helpers/gfs-oracle.ts';
import {
  composeCommand,
  ovena,
  ovenaBin,
  repoRoot,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { terminalCommand } from '../helpers/terminal.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);

async function tmux(args: string[]): Promise<string> {
  const { stdout } = await run('tmux', args, { timeout: 20_000 });
  return stdout;
}

function stampOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

type PruneJson = {
  outcome: string;
  confirmed: boolean;
  refusal: { rule: string; message: string } | null;
  remove: string[];
  removed: string[];
  untouched: string[];
  entries: Array<{ name: string; action: string; keptBy: string[]; kind: string }>;
};

const counts: Partial<GfsPolicy> = { last: 3, daily: 7, weekly: 4, monthly: 2 };
const policyYaml = 'retention:\n  last: 3\n  daily: 7\n  weekly: 4\n  monthly: 2\n';

describe('retention on the real stack: backup --timestamp, prune, safety rules', () => {
  let stack: Stack;
  let realDump = '';
  let newestVerified = '';
  const copies: Array<{ name: string; timeMs: number }> = [];
  const safety: Array<{ name: string; timeMs: number }> = [];
  let settingsFile = '';
  const hooks: Array<{ path: string; body: { event?: string; rule?: string } }> = [];
  let hookServer: http.Server | undefined;
  let hookUrl = '';

  const share = async () => (await readdir(stack.backupDir)).sort();
  const settings = (text: string) => writeFile(settingsFile, text, { mode: 0o600 });

  before(async () => {
    stack = await startStack('rt-main', 62000);
    settingsFile = path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml');
    hookServer = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        hooks.push({ path: request.url ?? '', body: JSON.parse(body || '{}') as never });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hookServer?.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;

    // A real, verified dump; its record makes it the newest verified dump.
    const backup = await ovena(['backup', '--timestamp'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const [made] = await share();
    assert.match(made ?? '', /^ovena-db-backup-\d{8}T\d{6}Z\.sql\.gz$/);
    newestVerified = made ?? '';
    realDump = path.join(stack.backupDir, newestVerified);
    // 60 copies under timestamped names spanning 90 days, a fixed-name dump, a hand-made file
    // and 5 safety dumps.
    const newest = Math.floor(Date.now() / hour) * hour - hour;
    for (let index = 0; index < 60; index++) {
      const timeMs = newest - Math.round((index * 90 * day) / 59);
      copies.push({ name: `ovena-db-backup-${stampOf(timeMs)}.sql.gz`, timeMs });
    }
    for (const age of [1, 10, 40, 50, 60]) {
      const timeMs = Date.now() - age * day;
      safety.push({ name: `pre-restore-${stampOf(timeMs)}.sql.gz`, timeMs });
    }
    for (const name of [
      ...copies.map((copy) => copy.name),
      ...safety.map((dump) => dump.name),
      'ovena-db-backup.sql.gz',
      'site.sql.gz',
    ]) {
      await copyFile(realDump, path.join(stack.backupDir, name));
    }
    await settings(policyYaml);
  });

  after(async () => {
    hookServer?.close();
    await stack?.down();
  });

  /** The expected removals, from the brute-force oracle (not from ovena). */
  function expectedRemovals(): string[] {
    const dumps = [
      ...copies,
      { name: newestVerified, timeMs: Date.parse(stampToIso(newestVerified)) },
    ];
    const kept = oracle(dumps, { ...emptyGfsPolicy, ...counts });
    const gfs = dumps.filter(
      (dump) => kept.get(dump.name)?.length === 0 && dump.name !== newestVerified,
    );
    // Safety: newest 3, and any younger than 30 days: the 50- and 60-day-old ones go.
    const oldSafety = safety.slice(3);
    return [...gfs, ...oldSafety].map((dump) => dump.name).sort();
  }

  it('prune --dry-run --json lists exactly the expected removals and changes nothing', async () => {
    const before = await share();
    const result = await ovena(['prune', '--dry-run', '--json'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as PruneJson;
    const expected = expectedRemovals();
    assert.ok(expected.length > 20, `a meaningful plan (${expected.length} removals)`);
    assert.deepEqual([...report.remove].sort(), expected);
    assert.equal(report.outcome, 'dry-run');
    assert.equal(report.refusal?.rule, 'unconfirmed-policy');
    assert.deepEqual(report.untouched, ['ovena-db-backup.sql.gz', 'site.sql.gz']);
    const verified = report.entries.find((entry) => entry.name === newestVerified);
    assert.ok(verified?.keptBy.includes('newest verified'));
    assert.deepEqual(await share(), before);
  });

  it('a plain prune under the new policy removes nothing, prints the plan and says why', async () => {
    const before = await share();
    const result = await ovena(['prune'], { env: stack.env });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /REMOVE {2}ovena-db-backup-\d{8}T\d{6}Z\.sql\.gz/);
    assert.match(result.stdout, /KEEP {4}ovena-db-backup-\d{8}T\d{6}Z\.sql\.gz .* (last|daily) #1/);
    assert.match(result.stdout, /refused \(unconfirmed-policy\), nothing removed/);
    assert.deepEqual(await share(), before);
    const check = await ovena(['check'], { env: stack.env });
    assert.match(check.stdout, /retention policy waits for confirmation/);
  });

  it('prune --force removes exactly those files and nothing else; later runs apply the policy', async () => {
    const before = await share();
    const expected = expectedRemovals();
    const result = await ovena(['prune', '--force'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`removed ${expected.length} dump\\(s\\)`));
    assert.deepEqual(
      await share(),
      before.filter((name) => !expected.includes(name)),
    );
    const again = await ovena(['prune'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /nothing to remove/);

    const list = await ovena(['list'], { env: stack.env });
    assert.match(list.stdout, /KEPT BY/);
    assert.match(list.stdout, /site\.sql\.gz .* -$/m);
    assert.match(list.stdout, new RegExp(`${newestVerified}.*newest verified`));
    const status = JSON.parse((await ovena(['status', '--json'], { env: stack.env })).stdout) as {
      retention: { confirmed: boolean; policy: string };
      dumps: { count: number; sizeBytes: number };
    };
    assert.equal(status.retention.confirmed, true);
    assert.match(status.retention.policy, /last 3, daily 7, weekly 4, monthly 2/);
    assert.equal(status.dumps.count, (await share()).length);
    const size = (await stat(realDump)).size;
    assert.equal(status.dumps.sizeBytes, size * (await share()).length);
  });

  it('the cron wrapper runs backup --timestamp, then prune, when retention is set', async () => {
    const log = path.join(stack.env.OVENA_STATE_DIR ?? '', 'cron.log');
    const before = await share();
    await run('sh', [path.join(repoRoot, 'docker/cron/ovena-backup')], {
      env: { ...stack.env, OVENA_BIN: ovenaBin, OVENA_BACKUP_LOG: log },
      timeout: 300_000,
    });
    const text = await readFile(log, 'utf8');
    assert.match(text, /OK .*ovena-db-backup-\d{8}T\d{6}Z\.sql\.gz/);
    assert.match(text, /prune: policy last 3, daily 7/);
    assert.match(text, /ovena-backup: prune ended, exit status 0/);
    const added = (await share()).filter((name) => !before.includes(name));
    assert.equal(added.length, 1, added.join(','));
  });

  it('on a terminal, the dry run of a changed policy offers to confirm it; yes applies it', async () => {
    await settings(policyYaml.replace('monthly: 2', 'monthly: 3'));
    const session = `rt-main-${process.pid}`;
    const screen = () => tmux(['capture-pane', '-p', '-t', session]);
    await tmux([
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '50',
      terminalCommand(stack.env, ['prune', '--dry-run']),
    ]);
    try {
      await waitFor(async () => (await screen()).includes('Type yes to apply'), 120_000, 'prompt');
      assert.match(await screen(), /NEW, waits for confirmation/);
      await tmux(['send-keys', '-t', session, 'yes', 'Enter']);
      await waitFor(async () => (await screen()).includes('EXIT='), 120_000, 'the end');
      const text = await screen();
      assert.match(text, /EXIT=0/);
      assert.match(text, /removed \d+ dump\(s\)|nothing to remove/);
    } finally {
      await tmux(['kill-session', '-t', session]).catch(() => '');
    }
    const dry = await ovena(['prune', '--dry-run', '--json'], { env: stack.env });
    assert.equal((JSON.parse(dry.stdout) as PruneJson).confirmed, true);
  });

  it('a broken policy: prune exits 78 naming the key; backup is not affected', async () => {
    for (const [yaml, key] of [
      ['retention:\n  daily: -1\n', 'retention.daily'],
      ['retention:\n  weekly: ten\n', 'retention.weekly'],
      ['retention:\n  dialy: 7\n', 'retention.dialy'],
    ] as const) {
      await settings(yaml);
      const result = await ovena(['prune'], { env: stack.env });
      assert.equal(result.code, 78, result.stdout + result.stderr);
      assert.ok(result.stderr.includes(key), result.stderr);
    }
    // A monitor sees it: any broken settings section is CRITICAL, the key named.
    const check = await ovena(['check'], { env: stack.env });
    assert.equal(check.code, 2, check.stdout + check.stderr);
    assert.match(check.stdout, /^CRITICAL: .*retention\.dialy/);
    const backup = await ovena(['backup', '--timestamp'], { env: stack.env });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.doesNotMatch(backup.stdout + backup.stderr, /retention|warning/);
    // With zstd the stamped name ends in .sql.zst, and prune counts it as a stamped dump.
    const zstd = await ovena(['backup', '--timestamp', '--compress=zstd'], { env: stack.env });
    assert.equal(zstd.code, 0, zstd.stdout + zstd.stderr);
    assert.doesNotMatch(zstd.stdout + zstd.stderr, /retention|warning/);
    assert.ok(
      (await share()).some((name) => /^ovena-db-backup-\d{8}T\d{6}Z\.sql\.zst$/.test(name)),
      (await share()).join(' '),
    );
    await settings(policyYaml);
    const dry = await ovena(['prune', '--dry-run', '--json'], { env: stack.env });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    const entries = (JSON.parse(dry.stdout) as PruneJson).entries;
    assert.ok(
      entries.some((entry) => /Z\.sql\.zst$/.test(entry.name) && entry.kind === 'dump'),
      JSON.stringify(entries),
    );
  });

  it('after a failed backup (db stopped), prune removes nothing, says why and alerts prune.failure', async () => {
    await settings(
      `${policyYaml}  webhooks:\n    failure: ${hookUrl}/prune-fail\nwebhooks:\n  failure: ${hookUrl}/backup-fail\n`,
    );
    // Old dumps the policy would remove.
    for (const days of [200, 201]) {
      const name = `ovena-db-backup-${stampOf(Date.now() - days * day)}.sql.gz`;
      await copyFile(realDump, path.join(stack.backupDir, name));
    }
    await composeCommand(stack, ['stop', 'db']);
    const backup = await ovena(['backup', '--timestamp'], { env: stack.env });
    assert.notEqual(backup.code, 0);
    const before = await share();
    const result = await ovena(['prune'], { env: stack.env });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /refused \(last-backup-failed\), nothing removed: the last backup failed/,
    );
    assert.deepEqual(await share(), before);
    const pruneHooks = hooks.filter((hook) => hook.body.event === 'prune.failure');
    assert.equal(pruneHooks.length, 1, JSON.stringify(hooks));
    assert.equal(pruneHooks[0]?.path, '/prune-fail');
    assert.equal(pruneHooks[0]?.body.rule, 'last-backup-failed');
    assert.ok(
      hooks.every((hook) => hook.path !== '/backup-fail' || hook.body.event === 'backup.failure'),
    );
    const check = await ovena(['check'], { env: stack.env });
    assert.match(check.stdout, /pruning is on hold: the last backup failed/);
  });
});

function stampToIso(name: string): string {
  const match = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(name);
  if (!match) throw new Error(`no stamp in ${name}`);
  const [, y, mo, d, h, mi, s] = match;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
}
