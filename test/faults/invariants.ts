/**
 * The invariants every fault case asserts after its fault (issue 14), in one place:
 * - the dumps that were there are byte-identical (sha256), unless a new complete dump replaced one;
 * - no temporary file or chunk, no ovena process, no container other than the stack's services;
 * - the database is the one before or a completely loaded one: `ovena start` refuses exactly when
 *   a restore destroyed it (the restore marker), and otherwise Orthanc shows the expected content;
 * - the exit code and the one-sentence message are the documented ones (assertOutcome);
 * - the next run of the same command succeeds once the fault is gone (each case runs it).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  composeCommand,
  docker,
  type OvenaResult,
  orthancStatistics,
  ovena,
  type Stack,
} from '../helpers/stack.ts';

const run = promisify(execFile);

export type DumpSnapshot = Map<string, string>;

/** sha256 of every file in the backup folder (dumps, and anything else that lies there). */
export async function snapshotDumps(dir: string): Promise<DumpSnapshot> {
  const snapshot: DumpSnapshot = new Map();
  for (const name of (await readdir(dir)).sort()) {
    const data = await readFile(path.join(dir, name)).catch(() => undefined);
    if (data) snapshot.set(name, createHash('sha256').update(data).digest('hex'));
  }
  return snapshot;
}

/** A dump that is complete: a whole gzip stream whose text ends with pg_dump's completion comment. */
export async function assertCompleteDump(file: string): Promise<void> {
  const text = gunzipSync(await readFile(file)).toString('utf8');
  assert.match(text.slice(0, 400), /PostgreSQL database dump/, `${file}: no pg_dump header`);
  const tail = text.split('\n').slice(-12).join('\n');
  assert.match(tail, /PostgreSQL database dump complete/, `${file}: not complete`);
}

/**
 * Every dump of `before` is still there, byte for byte, unless it is named in `replaced` (then it
 * must be a complete dump); a file that appeared must be a complete dump too.
 */
export async function assertDumpsKept(
  dir: string,
  before: DumpSnapshot,
  options: { replaced?: string[] } = {},
): Promise<void> {
  const after = await snapshotDumps(dir);
  for (const [name, sha] of before) {
    if (options.replaced?.includes(name)) {
      assert.ok(after.has(name), `${name} was replaced by nothing`);
      await assertCompleteDump(path.join(dir, name));
      continue;
    }
    assert.equal(after.get(name), sha, `${name} changed (sha256) or disappeared`);
  }
  for (const name of after.keys()) {
    if (!before.has(name)) await assertCompleteDump(path.join(dir, name));
  }
}

/** The stack's db container id, or '' when it has none. */
export async function dbContainer(stack: Stack): Promise<string> {
  return (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
}

export async function containerState(id: string, env = process.env): Promise<string> {
  if (id === '') return 'none';
  return (await docker(['inspect', '-f', '{{.State.Status}}', id], env)).trim();
}

/** Pids of live processes started for this stack (they carry its state folder in their environment). */
export async function stackProcesses(stack: Stack): Promise<string[]> {
  const marker = `OVENA_STATE_DIR=${stack.env.OVENA_STATE_DIR}`;
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (!environ.split('\0').includes(marker)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
    // A zombie is gone already (its parent has not reaped it yet).
    if (/^\d+ \(.*\) Z /.test(stat)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    found.push(`${pid} ${cmdline.replaceAll('\0', ' ').trim()}`);
  }
  return found;
}

/**
 * No temporary dump in the share, no chunk folder in the db container, no process of this stack,
 * and no container of its project but the compose services (no one-off run, no throw-away).
 */
export async function assertNoLeftovers(
  stack: Stack,
  options: { loadServerMayRemain?: boolean } = {},
): Promise<void> {
  const names = await readdir(stack.backupDir);
  assert.deepEqual(
    names.filter((name) => name.startsWith('.ovena-tmp-')),
    [],
    'a temporary dump was left in the share',
  );
  const db = await dbContainer(stack);
  if ((await containerState(db, stack.env)) === 'running') {
    const chunks = await docker(
      ['exec', db, 'sh', '-c', 'ls -d /tmp/ovena-chunks-* 2>/dev/null || true'],
      stack.env,
    );
    assert.equal(chunks.trim(), '', 'a chunk folder was left in the db container');
  }
  // Processes end shortly after their ovena (the docker CLI notices its exec ended): poll.
  let processes: string[] = [];
  const deadline = Date.now() + 20_000;
  do {
    processes = await stackProcesses(stack);
    if (processes.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  assert.deepEqual(processes, [], 'a process of this stack (ovena, docker, compose) was left');
  const project = stack.env.COMPOSE_PROJECT_NAME ?? '';
  const listed = await docker(
    [
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--format',
      '{{.Label "com.docker.compose.service"}}/{{.Label "com.docker.compose.oneoff"}}/{{.Label "ovena.drill"}}',
    ],
    stack.env,
  );
  const foreign = listed
    .split('\n')
    .filter((line) => line !== '' && line !== 'db/False/' && line !== 'orthanc/False/');
  assert.deepEqual(foreign, [], 'a container other than the stack services was left');
  // Throw-away containers (drills, dump listings) carry the hash of the stack's compose files.
  const tag = createHash('sha256')
    .update(stack.env.OVENA_COMPOSE_FILE ?? '')
    .digest('hex')
    .slice(0, 16);
  const drills = await docker(
    [
      'ps',
      '-a',
      '--filter',
      `label=ovena.drill.compose=${tag}`,
      '--format',
      '{{.Label "ovena.drill"}}',
    ],
    stack.env,
  );
  // A fast load killed with -9 leaves its one-off server (durability off, no network) to the next
  // restore, which removes it first; the marker keeps "ovena start" off that volume meanwhile.
  const left = drills
    .split('\n')
    .filter((kind) => kind !== '' && !(options.loadServerMayRemain && kind === 'fast-load'));
  assert.deepEqual(left, [], 'a throw-away container was left');
}

/** The refusal `ovena start` gives while a restore that destroyed the database is unfinished. */
export function startRefusal(dump: string, fastLoad = false): string {
  return `a restore of ${dump} did not finish and the database is only partly loaded${fastLoad ? ' (a fast load with durability off was interrupted)' : ''}: complete it with "ovena --file=${dump} restore" before starting Orthanc`;
}

/**
 * The database invariant: `ovena start` refuses (75, the sentence naming the dump) exactly when
 * the database was destroyed, and otherwise starts Orthanc on the database as it was (instances).
 */
export async function assertStartMatchesDatabase(
  stack: Stack,
  expected:
    | { destroyed: false; instances: number }
    | { destroyed: true; dump: string; fastLoad?: boolean },
): Promise<OvenaResult> {
  const start = await ovena(['start'], { env: stack.env });
  const output = start.stdout + start.stderr;
  if (expected.destroyed) {
    assert.equal(start.code, 75, output);
    assert.ok(output.includes(startRefusal(expected.dump, expected.fastLoad)), output);
    const orthanc = (await composeCommand(stack, ['ps', '-q', 'orthanc'])).trim();
    assert.notEqual(await containerState(orthanc, stack.env), 'running', 'Orthanc was started');
  } else {
    assert.equal(start.code, 0, output);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, expected.instances);
  }
  return start;
}

/** The exit code and the one sentence of a failed run (the `FAILED`/error line names it). */
export function assertOutcome(result: OvenaResult, code: number, sentence: RegExp): void {
  const output = result.stdout + result.stderr;
  assert.equal(result.code, code, output);
  assert.match(output, sentence);
}

/** Is the file there (a marker, a lock)? */
export function exists(file: string): boolean {
  return existsSync(file);
}

/** Runs a shell command on the host (mount, umount, chmod) and returns its stdout. */
export async function host(command: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', command], { timeout: 120_000 });
  return stdout;
}
