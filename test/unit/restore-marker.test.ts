import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Compose } from '../../source/compose/compose.ts';
import { ExitCode, OvenaError } from '../../source/errors.ts';
import { startSteps } from '../../source/lifecycle/start.ts';
import { markerBlocks } from '../../source/lock/lock-table.ts';
import {
  assertNoBlockingRestore,
  markerPath,
  parseMarker,
  readUnfinishedRestore,
  writeMarker,
} from '../../source/lock/restore-marker.ts';
import { assessArchive } from '../../source/monitoring/assess.ts';
import { type ArchiveStatus, collectBackupStatus } from '../../source/monitoring/collect-status.ts';
import type { HomeStatus } from '../../source/monitoring/home-status.ts';
import { statusLines } from '../../source/monitoring/status-lines.ts';

const now = Date.parse('2025-01-10T12:00:00Z');
const dump = 'ovena-db-backup.sql.gz';

function archive(overrides: Partial<ArchiveStatus> = {}): ArchiveStatus {
  return {
    composeFiles: ['/srv/docker-compose.yml'],
    composeVersion: '1.29.2',
    services: [],
    orthanc: { url: 'http://127.0.0.1:8042', reachable: false },
    shares: [],
    healthy: true,
    lastBackup: null,
    ...overrides,
  };
}

function home(overrides: Partial<HomeStatus> = {}): HomeStatus {
  return {
    services: [{ name: 'db', role: 'db', state: 'running', up: true }],
    orthanc: { url: 'http://127.0.0.1:8042', reachable: false },
    lastBackup: {
      at: new Date(now - 60_000).toISOString(),
      file: `/mnt/backup/${dump}`,
      sizeBytes: 1000,
      durationMs: 1000,
      result: 'ok',
    },
    problems: [],
    ...overrides,
  };
}

describe('the restore marker', () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ovena-marker-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('is an unfinished restore only once the database was destroyed', async () => {
    await writeMarker(stateDir, {
      dump,
      mode: 'from-scratch',
      phase: 'stopping',
      startedAt: '2025-01-01T00:00:00Z',
    });
    assert.equal(await readUnfinishedRestore(stateDir), undefined);
    assert.equal(
      (await collectBackupStatus({ stateDir, cronDir: stateDir })).unfinishedRestore,
      null,
    );
    await writeMarker(stateDir, {
      dump,
      mode: 'from-scratch',
      phase: 'loading',
      startedAt: '2025-01-01T00:00:00Z',
    });
    assert.equal((await readUnfinishedRestore(stateDir))?.dump, dump);
    assert.deepEqual(
      (await collectBackupStatus({ stateDir, cronDir: stateDir })).unfinishedRestore,
      {
        dump,
        startedAt: '2025-01-01T00:00:00Z',
        command: `ovena --file=${dump} restore`,
      },
    );
  });

  it('start refuses with 75 before touching docker', async () => {
    await writeMarker(stateDir, {
      dump,
      mode: 'from-scratch',
      phase: 'loading',
      startedAt: '2025-01-01T00:00:00Z',
    });
    const calls: string[] = [];
    const compose = {
      project: { dbService: 'db', orthancService: 'orthanc' },
      up: async (services: string[]) => {
        calls.push(...services);
      },
    } as unknown as Compose;
    const [first] = startSteps(compose, stateDir);
    assert.equal(first?.id, 'check-restore');
    await assert.rejects(
      async () =>
        first?.run({ signal: new AbortController().signal, progress: () => {}, log: () => {} }),
      (error: unknown) =>
        error instanceof OvenaError &&
        error.exitCode === ExitCode.busy &&
        error.message.includes(`complete it with "ovena --file=${dump} restore"`),
    );
    assert.deepEqual(calls, []);
  });

  it('status shows it, and only then', () => {
    const restore = {
      dump,
      startedAt: '2025-01-01T00:00:00Z',
      safetyDump: 'pre-restore-20250101T000000Z.sql.gz',
      command: `ovena --file=${dump} restore`,
    };
    const lines = statusLines(archive({ unfinishedRestore: restore }), now);
    const line = lines.find((entry) => entry.startsWith('RESTORE'));
    assert.equal(
      line,
      `RESTORE   a restore of ${dump} did not finish (started 2025-01-01T00:00:00Z): the database is only partly loaded; "ovena --file=${dump} restore" completes it (safety dump: pre-restore-20250101T000000Z.sql.gz)`,
    );
    assert.ok(
      !statusLines(archive({ unfinishedRestore: null }), now).some((entry) =>
        entry.startsWith('RESTORE'),
      ),
    );
  });

  it('assess makes it critical, as the headline', () => {
    assert.equal(assessArchive(home(), { now }).level, 'ok');
    const result = assessArchive(
      home({
        services: [{ name: 'orthanc', role: 'orthanc', state: 'exited', up: false }],
        unfinishedRestore: { dump },
      }),
      { now },
    );
    assert.equal(result.level, 'critical');
    assert.equal(
      result.reasons[0],
      `restore of ${dump} did not finish: "ovena --file=${dump} restore" completes it`,
    );
  });

  it('parses the phases, and markers written before phases existed', () => {
    const at = '2025-01-01T00:00:00Z';
    assert.equal(parseMarker(JSON.stringify({ dump, startedAt: at }))?.phase, 'stopping');
    assert.equal(
      parseMarker(JSON.stringify({ dump, destroyed: true, startedAt: at }))?.phase,
      'destroyed',
    );
    const loading = parseMarker(
      JSON.stringify({ dump, mode: 'from-scratch', phase: 'loading', startedAt: at }),
    );
    assert.deepEqual(loading, {
      dump,
      mode: 'from-scratch',
      phase: 'loading',
      destroyed: true,
      startedAt: at,
    });
    for (const garbage of ['', 'not json', '[]', '{}', '{"dump": 3}', `{"dump":"${dump}"}`])
      assert.equal(parseMarker(garbage), undefined, garbage);
    assert.equal(
      parseMarker(JSON.stringify({ dump, phase: 'somewhere', startedAt: at })),
      undefined,
    );
  });

  it('what each phase blocks comes from the lock table', async () => {
    const at = '2025-01-01T00:00:00Z';
    await writeMarker(stateDir, { dump, mode: 'from-scratch', phase: 'stopping', startedAt: at });
    await assertNoBlockingRestore(stateDir, 'start', 'starting Orthanc');
    await assertNoBlockingRestore(stateDir, 'backup', 'backing up');
    for (const phase of ['destroyed', 'loading', 'checking'] as const) {
      await writeMarker(stateDir, { dump, mode: 'from-scratch', phase, startedAt: at });
      for (const kind of markerBlocks[phase])
        await assert.rejects(assertNoBlockingRestore(stateDir, kind, 'going on'), {
          exitCode: ExitCode.busy,
        });
      await assertNoBlockingRestore(stateDir, 'prune', 'pruning');
    }
  });

  it('a marker that cannot be read blocks start and backup, naming the file', async () => {
    await writeFile(markerPath(stateDir), '{"dump": "x.sql.gz", "startedAt"');
    for (const kind of ['start', 'backup'] as const) {
      await assert.rejects(assertNoBlockingRestore(stateDir, kind, 'going on'), (error: Error) => {
        assert.equal((error as OvenaError).exitCode, ExitCode.busy);
        assert.ok(error.message.includes(markerPath(stateDir)), error.message);
        return true;
      });
    }
    await assert.rejects(readUnfinishedRestore(stateDir), { exitCode: ExitCode.busy });
    // status still works, and names the file instead of reading it as "no restore".
    const status = await collectBackupStatus({ stateDir, cronDir: stateDir });
    assert.equal(status.unfinishedRestore?.unreadable?.startsWith(markerPath(stateDir)), true);
    const line = statusLines(
      archive({ unfinishedRestore: status.unfinishedRestore ?? null }),
      now,
    ).find((entry) => entry.startsWith('RESTORE'));
    assert.match(
      line ?? '',
      /^RESTORE {3}the restore marker .* cannot be read: .*start and backup refuse/,
    );
  });
});
