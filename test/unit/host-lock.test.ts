import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ExitCode } from '../../source/errors.ts';
import {
  acquireLock,
  describeHolder,
  type LockHolder,
  liveHolders,
  locksDir,
} from '../../source/lock/host-lock.ts';
import { conflicts, type LockKind, lockKinds } from '../../source/lock/lock-table.ts';
import { processStartTime } from '../../source/lock/process-alive.ts';

/** A long-running process; `ovena` in its command line makes it look like an ovena run. */
function startProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'ovena-test-holder'], {
    stdio: 'ignore',
  });
}

function pidOf(child: ChildProcess): number {
  assert.ok(child.pid, 'child process started');
  return child.pid;
}

describe('lock table', () => {
  it('is symmetric', () => {
    for (const a of lockKinds)
      for (const b of lockKinds) assert.equal(conflicts(a, b), conflicts(b, a), `${a} / ${b}`);
  });

  it('restore and cifs apply are exclusive', () => {
    for (const kind of lockKinds) {
      assert.equal(conflicts('restore', kind), true, kind);
      assert.equal(conflicts('cifs-apply', kind), true, kind);
    }
  });

  it('a backup refuses a second backup and a prune, never a drill, a check or a cifs set', () => {
    assert.equal(conflicts('backup', 'backup'), true);
    assert.equal(conflicts('backup', 'prune'), true);
    assert.equal(conflicts('prune', 'backup'), true);
    for (const kind of ['drill', 'images-check', 'cifs-set'] as LockKind[])
      assert.equal(conflicts('backup', kind), false, kind);
  });

  it('start and stop refuse while a restore, a cifs apply, a backup or a reconcile runs', () => {
    for (const kind of ['start', 'stop'] as LockKind[]) {
      for (const other of ['restore', 'cifs-apply', 'backup', 'images-reconcile'] as LockKind[])
        assert.equal(conflicts(kind, other), true, `${kind} / ${other}`);
      assert.equal(conflicts(kind, 'drill'), false);
      assert.equal(conflicts(kind, 'images-check'), false);
    }
  });

  it('the README says the same as the code', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const names: Record<string, LockKind[]> = {
      backup: ['backup'],
      restore: ['restore'],
      'cifs apply': ['cifs-apply'],
      'cifs set': ['cifs-set'],
      'start, stop': ['start', 'stop'],
      drill: ['drill'],
      'image check': ['images-check'],
      'image reconcile': ['images-reconcile'],
      prune: ['prune'],
      'beside load': ['beside-load'],
    };
    const rows = readme
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    const header = rows.find((cells) => cells[0] === 'new ↓ / running →');
    assert.ok(header, 'the README has the lock table');
    let checked = 0;
    for (const cells of rows) {
      const mine = names[cells[0] ?? ''];
      if (!mine || cells.length !== header.length) continue;
      for (const [index, cell] of cells.entries()) {
        const theirs = names[header[index] ?? ''];
        if (index === 0 || !theirs) continue;
        const refuses: boolean = mine.some((a) => theirs.some((b) => conflicts(a, b)));
        assert.equal(cell, refuses ? 'refuse' : '—', `${cells[0]} / ${header[index]}`);
        checked++;
      }
    }
    assert.equal(checked, 100);
  });

  it('a drill and an image check run beside a backup, never beside a restore', () => {
    for (const kind of ['drill', 'images-check', 'images-reconcile'] as LockKind[]) {
      assert.equal(conflicts(kind, 'backup'), false, kind);
      assert.equal(conflicts(kind, 'restore'), true, kind);
    }
  });
});

describe('host lock', () => {
  let stateDir: string;
  let holder: ChildProcess;
  let other: ChildProcess;

  before(() => {
    holder = startProcess();
    other = startProcess();
  });
  after(() => {
    holder.kill();
    other.kill();
  });
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'lock-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  /** Writes an entry as another process would. */
  async function writeHolder(child: ChildProcess, kind: LockKind, extra: Partial<LockHolder> = {}) {
    const pid = pidOf(child);
    const entry: LockHolder = {
      kind,
      pid,
      ...(processStartTime(pid) ? { procStart: processStartTime(pid) } : {}),
      startedAt: new Date().toISOString(),
      ...extra,
    };
    await mkdir(locksDir(stateDir), { recursive: true });
    await writeFile(
      path.join(locksDir(stateDir), `${kind}.${pid}.x.0.json`),
      JSON.stringify(entry),
    );
    return entry;
  }

  it('refuses a conflicting kind with 75, naming the running operation', async () => {
    const entry = await writeHolder(holder, 'restore', { detail: 'of x.sql.gz' });
    await assert.rejects(acquireLock(stateDir, 'start'), (error: Error & { exitCode: number }) => {
      assert.equal(error.exitCode, ExitCode.busy);
      assert.match(
        error.message,
        new RegExp(`^a restore of x\\.sql\\.gz is running, pid ${entry.pid}, since \\d\\d:\\d\\d`),
      );
      return true;
    });
    assert.deepEqual(await readdir(locksDir(stateDir)), [`restore.${entry.pid}.x.0.json`]);
  });

  it('lets compatible holders coexist, each in its own file', async () => {
    await writeHolder(holder, 'backup');
    const drill = await acquireLock(stateDir, 'drill');
    const check = await acquireLock(stateDir, 'images-check');
    assert.equal((await liveHolders(stateDir)).length, 3);
    await drill.release();
    await check.release();
    assert.equal((await liveHolders(stateDir)).length, 1);
    await assert.rejects(acquireLock(stateDir, 'backup'), { exitCode: ExitCode.busy });
  });

  it('is re-entrant within one process: a start inside a restore never takes the restore over', async () => {
    const restore = await acquireLock(stateDir, 'restore', { detail: 'of x.sql.gz' });
    const start = await acquireLock(stateDir, 'start');
    await start.release();
    const live = await liveHolders(stateDir);
    assert.deepEqual(
      live.map((entry) => entry.kind),
      ['restore'],
    );
    await restore.describe('of y.sql.gz');
    assert.match(describeHolder((await liveHolders(stateDir))[0] as LockHolder), /restore of y/);
    await restore.release();
    assert.deepEqual(await readdir(locksDir(stateDir)), []);
  });

  it('takes over a dead holder of its kind (pid reused), and reports it', async () => {
    const dead = await writeHolder(other, 'backup', { procStart: '1' });
    const lock = await acquireLock(stateDir, 'backup');
    assert.deepEqual(lock.stale, dead);
    await lock.release();
    assert.deepEqual(await readdir(locksDir(stateDir)), []);
  });

  it("leaves a dead backup's entry to the next backup, which cleans up after it", async () => {
    await writeHolder(other, 'backup', { procStart: '1' });
    const start = await acquireLock(stateDir, 'start');
    assert.equal(start.stale, undefined);
    await start.release();
    const backup = await acquireLock(stateDir, 'backup');
    assert.equal(backup.stale?.kind, 'backup');
    await backup.release();
  });

  it('of two conflicting takers at the same instant, never both hold it', async () => {
    // The other taker writes its entry after ours was written and before we read the others.
    const hooks = { afterWrite: async () => void (await writeHolder(holder, 'restore')) };
    await assert.rejects(acquireLock(stateDir, 'backup', { hooks }), { exitCode: ExitCode.busy });
    const names = await readdir(locksDir(stateDir));
    assert.deepEqual(names, [`restore.${pidOf(holder)}.x.0.json`], 'our entry was withdrawn');
  });

  it('a claim that sees another claim withdraws and retries, and then wins', async () => {
    const claim = await writeHolder(holder, 'backup', { pending: true });
    let calls = 0;
    const hooks = {
      afterWrite: async () => {
        calls++;
        // The other taker withdraws its claim after our first look.
        if (calls === 2) await rm(path.join(locksDir(stateDir), `backup.${claim.pid}.x.0.json`));
      },
    };
    const lock = await acquireLock(stateDir, 'backup', { hooks });
    assert.equal(calls, 2);
    await lock.release();
  });

  it('two processes taking a backup lock at the same instant: exactly one gets it', async () => {
    const taker = path.join(import.meta.dirname, '../helpers/lock-taker.ts');
    for (let round = 0; round < 3; round++) {
      const goAt = String(Date.now() + 1500);
      const outputs = await Promise.all(
        [0, 1].map(
          () =>
            new Promise<string>((resolve, reject) => {
              const child = spawn(
                process.execPath,
                ['--import', 'tsx', taker, stateDir, 'backup', '2500', goAt],
                { stdio: ['ignore', 'pipe', 'inherit'] },
              );
              let out = '';
              child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
                out += chunk;
              });
              child.on('error', reject);
              child.on('close', () => resolve(out.trim()));
            }),
        ),
      );
      assert.equal(outputs.filter((line) => line === 'got').length, 1, outputs.join(' | '));
      assert.match(outputs.find((line) => line !== 'got') ?? '', /^busy: a backup is running/);
      assert.deepEqual(await readdir(locksDir(stateDir)), []);
    }
  });

  it('respects the single lock file of earlier versions while its owner runs', async () => {
    await writeFile(
      path.join(stateDir, 'ovena.lock'),
      JSON.stringify({
        pid: pidOf(holder),
        command: 'restore',
        startedAt: new Date().toISOString(),
      }),
    );
    await assert.rejects(acquireLock(stateDir, 'backup'), {
      exitCode: ExitCode.busy,
      message: /a restore is running/,
    });
  });
});
