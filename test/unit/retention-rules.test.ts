import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LastBackupRecord } from '../../source/backup/last-backup.ts';
import { writeLastBackup } from '../../source/backup/last-backup.ts';
import { publishedDumpName } from '../../source/dumps/dump-name.ts';
import {
  formatStamp,
  parseStampedName,
  timestampedFileName,
} from '../../source/dumps/stamped-names.ts';
import { ExitCode } from '../../source/errors.ts';
import { buildPlan } from '../../source/retention/plan.ts';
import {
  defaultSafetyPolicy,
  emptyGfsPolicy,
  type Policy,
  policyHash,
} from '../../source/retention/policy.ts';
import { prune } from '../../source/retention/prune.ts';
import {
  parseRetentionSection,
  readRetentionSettings,
} from '../../source/retention/retention-settings.ts';
import { readConfirmations, recordStem } from '../../source/retention/retention-state.ts';
import { defaultMaxGapMs, refusalOf } from '../../source/retention/safety-rules.ts';
import { readSettings } from '../../source/settings/settings.ts';

const hour = 3_600_000;
const day = 24 * hour;
const now = Date.UTC(2026, 10, 27, 4, 0, 0);

function stamped(stem: string, ms: number): string {
  if (stem === 'pre-restore') return `pre-restore-${formatStamp(ms)}.sql.gz`;
  return `${timestampedFileName(`${stem}.sql`, ms)}.gz`;
}

function dump(name: string, sizeBytes = 100) {
  return { name, sizeBytes, modifiedMs: now, compressed: true };
}

const policy: Policy = { gfs: { ...emptyGfsPolicy, last: 2 }, safety: defaultSafetyPolicy };

describe('timestamped names', () => {
  it('round-trips STEM-YYYYMMDDTHHMMSSZ.sql.gz in UTC; impossible dates are not ours', () => {
    const name = stamped('ovena-db-backup', Date.UTC(2026, 10, 27, 4, 5, 6));
    assert.equal(name, 'ovena-db-backup-20261127T040506Z.sql.gz');
    assert.deepEqual(parseStampedName(name), {
      stem: 'ovena-db-backup',
      timeMs: Date.UTC(2026, 10, 27, 4, 5, 6),
    });
    assert.ok(parseStampedName('x-20261127T040506Z.sql.zst'));
    // --timestamp with zstd publishes through publishedDumpName: STEM-...Z.sql.zst.
    const zst = publishedDumpName(timestampedFileName('ovena-db-backup.sql', now), 'zstd');
    assert.equal(zst, 'ovena-db-backup-20261127T040000Z.sql.zst');
    assert.equal(parseStampedName(zst)?.timeMs, now);
    assert.equal(parseStampedName('x-20261127T040506Z.sql'), undefined);
    assert.equal(parseStampedName('x-20261127T040506Z.sql.bz2'), undefined);
    assert.equal(parseStampedName('x-20260230T040506Z.sql.gz'), undefined);
    assert.equal(parseStampedName('x-20261127T250000Z.sql.gz'), undefined);
    assert.ok(parseStampedName('x-20240229T000000Z.sql.gz'));
    assert.equal(parseStampedName('x-20250229T000000Z.sql.gz'), undefined);
    assert.equal(parseStampedName('ovena-db-backup.sql.gz'), undefined);
    assert.throws(() => timestampedFileName('pre-restore.sql', now), { exitCode: ExitCode.usage });
  });
});

describe('prune plan', () => {
  it('only timestamped dumps of known stems are candidates; the rest is never touched', () => {
    const names = [
      stamped('ovena-db-backup', now - hour),
      stamped('ovena-db-backup', now - 2 * hour),
      stamped('ovena-db-backup', now - 3 * hour),
      stamped('custom', now - 3 * hour),
      stamped('custom', now - 4 * hour),
      stamped('custom', now - 5 * hour),
      stamped('stranger', now - 9 * day),
      'ovena-db-backup.sql.gz',
      'site.sql.gz',
      'ovena-db-backup-20260230T000000Z.sql.gz',
    ];
    const plan = buildPlan({
      dumps: names.map((n) => dump(n)),
      policy,
      knownStems: ['custom'],
      now,
    });
    const remove = plan.entries.filter((e) => e.action === 'remove').map((e) => e.name);
    // GFS per stem: each stem keeps its own 2 newest.
    assert.deepEqual(remove.sort(), [names[2], names[5]].sort());
    assert.deepEqual(plan.untouched, [
      'ovena-db-backup-20260230T000000Z.sql.gz',
      'ovena-db-backup.sql.gz',
      'site.sql.gz',
      stamped('stranger', now - 9 * day),
    ]);
  });

  it('pre-restore dumps: newest 3 and any younger than 30 days, never a GFS stem', () => {
    const ages = [1, 2, 40, 50, 60, 70];
    const names = ages.map((age) => stamped('pre-restore', now - age * day));
    const plan = buildPlan({
      dumps: names.map((n) => dump(n)),
      policy,
      knownStems: ['pre-restore'],
      now,
    });
    const byName = new Map(plan.entries.map((e) => [e.name, e]));
    assert.deepEqual(byName.get(names[0] ?? '')?.keptBy, ['safety newest #1', 'safety within']);
    assert.deepEqual(byName.get(names[2] ?? '')?.keptBy, ['safety newest #3']);
    assert.deepEqual(
      plan.entries.filter((e) => e.action === 'remove').map((e) => e.name),
      names.slice(3),
    );
    assert.ok(plan.entries.every((e) => e.kind === 'safety'));
  });

  it('the newest verified dump is kept whatever the rules say', () => {
    const names = [1, 2, 3].map((h) => stamped('ovena-db-backup', now - h * hour));
    const plan = buildPlan({
      dumps: names.map((n) => dump(n)),
      policy: { gfs: { ...emptyGfsPolicy, last: 1 }, safety: defaultSafetyPolicy },
      knownStems: [],
      newestVerified: names[2],
      now,
    });
    assert.deepEqual(
      plan.entries.map((e) => [e.action, e.keptBy]),
      [
        ['keep', ['last #1']],
        ['remove', []],
        ['keep', ['newest verified']],
      ],
    );
  });
});

describe('safety rules', () => {
  const plan = buildPlan({
    dumps: [dump(stamped('ovena-db-backup', now - hour))],
    policy,
    knownStems: [],
    now,
  });
  const ok: LastBackupRecord = {
    at: new Date(now - hour).toISOString(),
    file: '/mnt/backup/x.sql.gz',
    sizeBytes: 1,
    durationMs: 1,
    result: 'ok',
  };
  const base = {
    plan,
    lastBackup: ok,
    maxGapMs: 2 * day,
    now,
    blockedBy: null,
    unfinishedRestore: undefined,
    confirmed: true,
    force: false,
  };

  it('each rule refuses by name, in order', () => {
    assert.equal(refusalOf(base), undefined);
    assert.equal(refusalOf({ ...base, blockedBy: 'anomalous backup' })?.rule, 'blocked');
    assert.equal(
      refusalOf({ ...base, unfinishedRestore: { dump: 'x.sql.gz' } })?.rule,
      'restore-unfinished',
    );
    assert.equal(refusalOf({ ...base, lastBackup: undefined })?.rule, 'no-backup-record');
    assert.equal(
      refusalOf({ ...base, lastBackup: { ...ok, result: 'failed', error: 'db down' } })?.rule,
      'last-backup-failed',
    );
    assert.equal(refusalOf({ ...base, now: now + 3 * day })?.rule, 'backups-stopped');
    assert.equal(refusalOf({ ...base, confirmed: false })?.rule, 'unconfirmed-policy');
    assert.equal(refusalOf({ ...base, confirmed: false, force: true }), undefined);
    // --force confirms a policy; it never overrides the other rules.
    assert.equal(
      refusalOf({ ...base, force: true, lastBackup: { ...ok, result: 'failed' } })?.rule,
      'last-backup-failed',
    );
  });

  it('max gap: twice the schedule period, 2 days without a schedule', () => {
    assert.equal(defaultMaxGapMs(undefined), 2 * day);
    assert.equal(defaultMaxGapMs(hour), 2 * hour);
  });
});

describe('retention settings', () => {
  const file = '/etc/ovena/ovena.yml';
  it('parses counts, max gap, safety and the failure webhook', () => {
    const settings = parseRetentionSection(
      {
        last: 3,
        daily: '14',
        maxGap: '36h',
        safety: { last: 5, within: '10d' },
        webhooks: { failure: 'https://hc.example/x' },
      },
      file,
    );
    assert.deepEqual(settings.gfs, { ...emptyGfsPolicy, last: 3, daily: 14 });
    assert.equal(settings.maxGapMs, 36 * hour);
    assert.deepEqual(settings.safety, { last: 5, withinMs: 10 * day });
    assert.equal(settings.failureWebhook, 'https://hc.example/x');
  });

  for (const [value, key] of [
    [{ daily: -1 }, 'retention.daily'],
    [{ daily: 'ten' }, 'retention.daily'],
    [{ weekly: 1.5 }, 'retention.weekly'],
    [{ dialy: 10 }, 'retention.dialy'],
    [{ safety: { keep: 1 } }, 'retention.safety.keep'],
    [{ safety: { last: -2 } }, 'retention.safety.last'],
    [{ maxGap: 'soon' }, 'retention.maxGap'],
    [{ webhooks: { success: 'https://x' } }, 'retention.webhooks.success'],
  ] as const) {
    it(`refuses ${JSON.stringify(value)} with exit 78 naming ${key}`, () => {
      assert.throws(
        () => parseRetentionSection(value, file),
        (error: Error & { exitCode?: number }) =>
          error.exitCode === ExitCode.config && error.message.includes(key),
      );
    });
  }

  it('a broken retention section never breaks the backup settings (webhooks)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-retention-'));
    try {
      await writeFile(
        path.join(dir, 'ovena.yml'),
        'webhooks:\n  success: https://hc.example/ok\nretention:\n  daily: -1\n  bogus: 1\n',
      );
      const settings = await readSettings(dir);
      assert.equal(settings.webhooks.success, 'https://hc.example/ok');
      // A known section, parsed by its own room: neither unknown nor a problem of the backup's.
      assert.deepEqual(settings.problems, []);
      await assert.rejects(readRetentionSettings(dir), {
        exitCode: ExitCode.config,
        message: /retention\.bogus/,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the policy hash changes with any count and with the safety policy', () => {
    const hashes = new Set([
      policyHash(policy),
      policyHash({ ...policy, gfs: { ...policy.gfs, daily: 1 } }),
      policyHash({ ...policy, gfs: { ...policy.gfs, daily: 10 } }),
      policyHash({ ...policy, safety: { last: 4, withinMs: policy.safety.withinMs } }),
    ]);
    assert.equal(hashes.size, 4);
    assert.equal(policyHash(policy), policyHash(structuredClone(policy)));
  });
});

describe('prune run (fake share, real state files)', () => {
  it('first run of a new policy removes nothing; --force applies it once; later runs apply it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-prune-'));
    try {
      await writeFile(path.join(dir, 'ovena.yml'), 'retention:\n  last: 2\n');
      await recordStem(dir, 'ovena-db-backup');
      const share = new Set([1, 2, 3, 4].map((h) => stamped('ovena-db-backup', now - h * hour)));
      share.add('ovena-db-backup.sql.gz');
      await writeLastBackup(dir, {
        at: new Date(now - hour).toISOString(),
        file: `/mnt/backup/${stamped('ovena-db-backup', now - hour)}`,
        sizeBytes: 1,
        durationMs: 1,
        result: 'ok',
      });
      const run = (force: boolean, dryRun = false) =>
        prune({
          stateDir: dir,
          configDir: dir,
          cronDir: path.join(dir, 'cron'),
          dryRun,
          force,
          now: () => now,
          listDumps: async () => [...share].map((name) => dump(name)),
          removeDumps: async (names) => {
            for (const name of names) share.delete(name);
          },
        });
      const first = await run(false);
      assert.equal(first.outcome, 'refused');
      assert.equal(first.refusal?.rule, 'unconfirmed-policy');
      assert.equal(share.size, 5);
      assert.equal((await readConfirmations(dir)).pending?.hash, first.policyHash);
      const dry = await run(false, true);
      assert.equal(dry.outcome, 'dry-run');
      assert.equal(share.size, 5);
      const forced = await run(true);
      assert.equal(forced.outcome, 'applied');
      assert.deepEqual(forced.removed.sort(), [
        stamped('ovena-db-backup', now - 4 * hour),
        stamped('ovena-db-backup', now - 3 * hour),
      ]);
      assert.ok(share.has('ovena-db-backup.sql.gz'));
      share.add(stamped('ovena-db-backup', now - 5 * hour));
      const later = await run(false);
      assert.equal(later.outcome, 'applied');
      assert.deepEqual(later.removed, [stamped('ovena-db-backup', now - 5 * hour)]);
      // A changed policy waits again.
      await writeFile(path.join(dir, 'ovena.yml'), 'retention:\n  last: 1\n');
      assert.equal((await run(false)).refusal?.rule, 'unconfirmed-policy');
      assert.ok(JSON.parse(await readFile(path.join(dir, 'retention-policy.json'), 'utf8')));
      // A policy that keeps nothing is refused before anything is read.
      await writeFile(path.join(dir, 'ovena.yml'), 'retention:\n  daily: 0\n');
      await assert.rejects(run(true), { exitCode: ExitCode.config });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('prune and the host lock', () => {
  it('a real run is busy (75) while a backup holds the lock; a dry run takes no lock', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ovena-prune-lock-'));
    // `ovena` in its command line makes it look like a running ovena backup.
    const holder = spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1e6)', 'ovena-test-holder'],
      {
        stdio: 'ignore',
      },
    );
    try {
      await writeFile(path.join(dir, 'ovena.yml'), 'retention:\n  last: 2\n');
      await writeFile(
        path.join(dir, 'ovena.lock'),
        JSON.stringify({ pid: holder.pid, command: 'backup', startedAt: new Date().toISOString() }),
      );
      let listed = 0;
      const run = (dryRun: boolean) =>
        prune({
          stateDir: dir,
          configDir: dir,
          cronDir: path.join(dir, 'cron'),
          dryRun,
          force: false,
          listDumps: async () => {
            listed++;
            return [];
          },
          removeDumps: async () => {},
        });
      await assert.rejects(run(false), { exitCode: ExitCode.busy });
      assert.equal(listed, 0, 'nothing read before the lock');
      assert.equal((await run(true)).outcome, 'dry-run');
    } finally {
      holder.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ovena backup never reads the policy', () => {
  it('no module the backup command imports parses the retention section', async () => {
    const root = path.resolve(import.meta.dirname, '../../source');
    const seen = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/from\s*'(\.[^']+)'/g)) {
        await visit(path.resolve(path.dirname(file), match[1] ?? ''));
      }
    };
    await visit(path.join(root, 'commands/backup.ts'));
    // Static imports only: commands are loaded on demand (cli/commands.ts), never by the backup.
    const modules = [...seen].map((file) => path.relative(root, file));
    assert.ok(modules.includes('retention/retention-state.ts'), 'it records stems');
    for (const forbidden of [
      'retention/retention-settings.ts',
      'retention/policy.ts',
      'retention/prune.ts',
    ]) {
      assert.ok(!modules.includes(forbidden), `${forbidden} in ${modules.join(', ')}`);
    }
  });
});
